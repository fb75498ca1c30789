"""Anthropic's /v1/messages/count_tokens, counted by the gateway whichever channel serves the model."""
from __future__ import annotations

import anthropic
import pytest


def test_count_tokens_with_the_anthropic_sdk(gateway):
    client = anthropic.Anthropic(base_url=gateway.url, api_key=gateway.key, max_retries=0)
    short = client.messages.count_tokens(model="claude-haiku-4-5", messages=[{"role": "user", "content": "hi"}])
    tools = [{"name": "get_weather", "description": "Weather for a city",
              "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    longer = client.messages.count_tokens(model="gpt-4o-mini", system="You are a weather bot.", tools=tools,
                                          messages=[{"role": "user", "content": "What is the weather in Paris?"}])
    assert 0 < short.input_tokens < longer.input_tokens


def test_count_tokens_errors_in_anthropic_shape(gateway):
    client = anthropic.Anthropic(base_url=gateway.url, api_key="sk-not-a-real-key", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as exc:
        client.messages.count_tokens(model="claude-haiku-4-5", messages=[{"role": "user", "content": "hi"}])
    assert exc.value.body["type"] == "error" and exc.value.body["error"]["type"] == "authentication_error"
