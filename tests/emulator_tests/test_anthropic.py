"""Anthropic Messages through the official SDK."""
import json

import anthropic
import pytest
import requests
from pydantic import BaseModel

from tests.emulator.protocols.anthropic import thinking_signature

from .conftest import TOPIC_SCHEMA

WEATHER = {"name": "get_weather", "description": "Get the weather", "input_schema": {
    "type": "object", "properties": {"location": {"type": "string"},
                                     "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "required": ["location"]}}


def client_for(base_url, **kwargs):
    return anthropic.Anthropic(base_url=base_url, api_key=kwargs.pop("api_key", "sk-ant-test"), max_retries=0,
                               **kwargs)


@pytest.fixture
def claude(emu):
    return client_for(emu.url)


def test_text_message(claude, fresh):
    message = claude.messages.create(model="claude-haiku-4-5", max_tokens=100, system="be brief",
                                     messages=[{"role": "user", "content": "Say hello in one sentence."}])
    assert message.type == "message" and message.role == "assistant" and message.id.startswith("msg_")
    assert message.content[0].type == "text" and message.content[0].text == "echo: Say hello in one sentence."
    assert message.stop_reason == "end_turn" and message.stop_sequence is None
    assert (message.usage.input_tokens, message.usage.output_tokens) == (7, 6)
    assert message.usage.cache_read_input_tokens == 0 and message.usage.cache_creation_input_tokens == 0
    recorded = fresh.last_request("/v1/messages")
    assert recorded["headers"]["authorization"] == "Bearer sk-ant-test" and recorded["headers"]["anthropic-version"]


def test_stream_grammar(claude):
    with claude.messages.stream(model="claude-haiku-4-5", max_tokens=100,
                                messages=[{"role": "user", "content": "stream a reply please"}]) as stream:
        events = list(stream)
        final = stream.get_final_message()
    raw_types = [e.type for e in events if e.type in (
        "message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta",
        "message_stop")]
    assert raw_types[0] == "message_start" and raw_types[1] == "content_block_start"
    assert raw_types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    deltas = [e.delta.text for e in events if e.type == "content_block_delta"]
    assert len(deltas) >= 5 and "".join(deltas) == "echo: stream a reply please"
    assert final.content[0].text == "echo: stream a reply please"
    assert final.stop_reason == "end_turn" and final.usage.output_tokens == 5


def test_raw_stream_has_event_lines_and_ping(emu):
    raw = requests.post(emu.url + "/v1/messages", headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
                        json={"model": "claude", "max_tokens": 10, "stream": True,
                              "messages": [{"role": "user", "content": "hi"}]})
    assert raw.text.startswith("event: message_start\ndata: {")
    assert "event: ping\ndata: {\"type\":\"ping\"}" in raw.text
    assert raw.text.rstrip().endswith('event: message_stop\ndata: {"type":"message_stop"}')
    assert "[DONE]" not in raw.text


def test_tool_use_json_and_input_json_deltas(claude):
    message = claude.messages.create(model="claude", max_tokens=200, tools=[WEATHER],
                                     tool_choice={"type": "tool", "name": "get_weather"},
                                     messages=[{"role": "user", "content": "San Francisco, CA"}])
    block = message.content[0]
    assert message.stop_reason == "tool_use" and block.type == "tool_use" and block.id.startswith("toolu_")
    assert block.input == {"location": "San Francisco, CA", "unit": "celsius"}
    with claude.messages.stream(model="claude", max_tokens=200, tools=[WEATHER], tool_choice={"type": "any"},
                                messages=[{"role": "user", "content": "Oslo"}]) as stream:
        events = list(stream)
        final = stream.get_final_message()
    start = [e for e in events if e.type == "content_block_start"][0]
    assert start.content_block.type == "tool_use" and start.content_block.input == {}
    fragments = [e.delta.partial_json for e in events if e.type == "content_block_delta"]
    assert len(fragments) >= 5 and json.loads("".join(fragments)) == {"location": "Oslo", "unit": "celsius"}
    assert final.content[0].input == {"location": "Oslo", "unit": "celsius"}


def test_tool_result_is_quoted_and_ids_are_checked(claude):
    history = [{"role": "user", "content": "weather?"},
               {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                                                  "input": {"location": "Paris"}}]},
               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "15C"}]}]
    message = claude.messages.create(model="claude", max_tokens=100, tools=[WEATHER], messages=history)
    assert message.content[0].text == "tool result: 15C"
    history[2]["content"][0]["tool_use_id"] = "toolu_other"
    with pytest.raises(anthropic.BadRequestError) as info:
        claude.messages.create(model="claude", max_tokens=100, tools=[WEATHER], messages=history)
    assert "tool_use_id" in info.value.body["error"]["message"]


def test_thinking_with_signature_json_and_stream(claude):
    message = claude.messages.create(model="claude-sonnet-4-5", max_tokens=2048,
                                     thinking={"type": "enabled", "budget_tokens": 1024},
                                     messages=[{"role": "user", "content": "why"}])
    thinking, text = message.content
    assert thinking.type == "thinking" and thinking.thinking == "Thinking about: why"
    assert thinking.signature == thinking_signature("Thinking about: why")
    assert text.text == "echo: why"
    with claude.messages.stream(model="claude-think", max_tokens=100,
                                messages=[{"role": "user", "content": "why"}]) as stream:
        events = list(stream)
    delta_types = [e.delta.type for e in events if e.type == "content_block_delta"]
    assert delta_types.index("signature_delta") == delta_types.index("text_delta") - 1
    assert "".join(e.delta.thinking for e in events if e.type == "content_block_delta"
                   and e.delta.type == "thinking_delta") == "Thinking about: why"


def test_thinking_signature_in_history_is_verified(claude):
    def ask(signature):
        return claude.messages.create(model="claude", max_tokens=100, messages=[
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm", "signature": signature},
                                              {"type": "text", "text": "ok"}]},
            {"role": "user", "content": "b"}])
    assert ask(thinking_signature("hmm")).content[0].text == "echo: b"
    with pytest.raises(anthropic.BadRequestError) as info:
        ask("forged")
    assert "signature" in info.value.body["error"]["message"]


def test_thinking_budget_validation(claude):
    with pytest.raises(anthropic.BadRequestError):
        claude.messages.create(model="claude", max_tokens=1000, thinking={"type": "enabled", "budget_tokens": 1024},
                               messages=[{"role": "user", "content": "x"}])


def test_cache_control_reports_cache_read_and_write(claude, emu):
    system = [{"type": "text", "text": "one two three four", "cache_control": {"type": "ephemeral"}}]
    messages = [{"role": "user", "content": [
        {"type": "text", "text": "five six", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "seven"}]}]
    usage = claude.messages.create(model="claude", max_tokens=50, system=system, messages=messages).usage
    assert (usage.cache_read_input_tokens, usage.cache_creation_input_tokens, usage.input_tokens) == (4, 2, 1)
    assert usage.cache_creation.ephemeral_5m_input_tokens == 2
    written = client_for(emu.scenario_url("cache_write")).messages.create(
        model="claude", max_tokens=50, system=system, messages=messages).usage
    assert (written.cache_read_input_tokens, written.cache_creation_input_tokens, written.input_tokens) == (0, 6, 1)
    with claude.messages.stream(model="claude", max_tokens=50, system=system, messages=messages) as stream:
        final = stream.get_final_message()
    assert final.usage.cache_read_input_tokens == 4


def test_structured_output(claude):
    class Topic(BaseModel):
        topic: str
        confidence: float

    parsed = claude.messages.parse(model="claude", max_tokens=100, output_format=Topic,
                                   messages=[{"role": "user", "content": "AI adoption"}])
    assert parsed.parsed_output == Topic(topic="AI adoption", confidence=0.5)
    raw = claude.messages.create(model="claude", max_tokens=100, messages=[{"role": "user", "content": "x"}],
                                 output_config={"format": {"type": "json_schema", "schema": TOPIC_SCHEMA}})
    assert json.loads(raw.content[0].text) == {"topic": "x", "confidence": 0.5}


def test_max_tokens_and_stop_sequences(claude):
    cut = claude.messages.create(model="claude", max_tokens=2,
                                 messages=[{"role": "user", "content": "one two three"}])
    assert cut.stop_reason == "max_tokens" and cut.content[0].text == "echo: one"
    stopped = claude.messages.create(model="claude", max_tokens=50, stop_sequences=["three"],
                                     messages=[{"role": "user", "content": "one two three"}])
    assert stopped.stop_reason == "stop_sequence" and stopped.stop_sequence == "three"
    assert stopped.content[0].text == "echo: one two "


def test_count_tokens(claude):
    counted = claude.messages.count_tokens(model="claude", system="a b",
                                           messages=[{"role": "user", "content": "c d e"}], tools=[WEATHER])
    assert counted.input_tokens == 2 + 3 + 5


@pytest.mark.parametrize("scenario, error_type, status, err_type", [
    ("fail500", anthropic.InternalServerError, 500, "api_error"),
    ("overloaded", anthropic.InternalServerError, 529, "overloaded_error"),
    ("rate429", anthropic.RateLimitError, 429, "rate_limit_error"),
    ("auth401", anthropic.AuthenticationError, 401, "authentication_error"),
    ("bad400", anthropic.BadRequestError, 400, "invalid_request_error"),
])
def test_errors(emu, scenario, error_type, status, err_type):
    with pytest.raises(error_type) as info:
        client_for(emu.scenario_url(scenario)).messages.create(
            model="claude", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    body = info.value.response.json()
    assert info.value.status_code == status
    assert body["type"] == "error" and body["error"]["type"] == err_type and body["error"]["message"]


def test_headers_are_required(emu):
    url = emu.url + "/v1/messages"
    payload = {"model": "c", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    no_key = requests.post(url, json=payload, headers={"anthropic-version": "2023-06-01"})
    assert no_key.status_code == 401 and no_key.json()["error"]["type"] == "authentication_error"
    bearer_only = requests.post(url, json=payload, headers={"Authorization": "Bearer k",
                                                            "anthropic-version": "2023-06-01"})
    assert bearer_only.status_code == 200  # what anthropic SDK 2.x sends
    bad_key = requests.post(url, json=payload, headers={"x-api-key": "bad", "anthropic-version": "2023-06-01"})
    assert bad_key.status_code == 401
    no_version = requests.post(url, json=payload, headers={"x-api-key": "k"})
    assert no_version.status_code == 400 and no_version.json()["error"]["type"] == "invalid_request_error"
    missing_max = requests.post(url, json={**payload, "max_tokens": None},
                                headers={"x-api-key": "k", "anthropic-version": "2023-06-01"})
    assert missing_max.status_code == 400


def test_stream_error_event(emu):
    with pytest.raises(anthropic.APIStatusError) as info:
        with client_for(emu.scenario_url("streamerror")).messages.stream(
                model="claude", max_tokens=50, messages=[{"role": "user", "content": "a b c d"}]) as stream:
            list(stream)
    assert "overloaded_error" in str(info.value.body) or "Overloaded" in str(info.value)
