"""The official SDKs, configured exactly as docs/clients.md says, against models behind another protocol:
openai (Chat and Responses, streamed and not, a tool round trip), anthropic (x-api-key and Bearer), google-genai
(the gateway's Gemini-native routes)."""
from __future__ import annotations

import json

import anthropic
import openai
from google import genai
from google.genai import types

from tests.matrix import native

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                            "parameters": {"type": "object", "required": ["city"],
                                                           "properties": {"city": {"type": "string"}}}}}


def test_openai_sdk_chat_tool_round_trip_on_an_anthropic_model(gateway, emulator):
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=gateway.key)
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(model="claude-haiku-4-5", messages=messages, tools=[WEATHER])
    call = first.choices[0].message.tool_calls[0]
    assert first.choices[0].finish_reason == "tool_calls" and call.function.name == "get_weather"
    assert json.loads(call.function.arguments)["city"]
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"}]
    stream = client.chat.completions.create(model="claude-haiku-4-5", messages=messages, tools=[WEATHER],
                                            stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "tool result: sunny, 21 C" and chunks[-1].usage.completion_tokens > 0
    seen = native.summarize(emulator.requests()[-1])  # the provider got an Anthropic tool_result for that call
    assert seen.protocol == "anthropic" and seen.history_result == (call.id, "sunny, 21 C")


def test_openai_sdk_responses_on_a_gemini_model(gateway, emulator):
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=gateway.key)
    assert client.responses.create(model="gemini-2.5-flash", input="hello").output_text == "echo: hello"
    with client.responses.stream(model="gemini-2.5-flash", input="hello again") as stream:
        final = stream.get_final_response()
    assert final.status == "completed" and final.output_text == "echo: hello again"
    assert [native.protocol_of(r) for r in emulator.requests()] == ["gemini", "gemini"]


def test_anthropic_sdk_on_openai_and_gemini_models(gateway, emulator):
    with_key = anthropic.Anthropic(base_url=gateway.url, api_key=gateway.key)
    message = with_key.messages.create(model="gpt-4o-mini", max_tokens=100,
                                       messages=[{"role": "user", "content": "hello"}])
    assert message.content[0].text == "echo: hello" and message.stop_reason == "end_turn"
    with_bearer = anthropic.Anthropic(base_url=gateway.url, auth_token=gateway.key, api_key=None)
    with with_bearer.messages.stream(model="gemini-2.5-flash", max_tokens=100,
                                     messages=[{"role": "user", "content": "hello"}]) as stream:
        final = stream.get_final_message()
    assert final.content[0].text == "echo: hello" and final.usage.output_tokens > 0
    assert [native.protocol_of(r) for r in emulator.requests()] == ["chat", "gemini"]


def test_google_genai_sdk_on_openai_and_anthropic_models(gateway, emulator):
    client = genai.Client(api_key=gateway.key, http_options=types.HttpOptions(base_url=gateway.url,
                                                                              api_version="v1beta"))
    assert client.models.generate_content(model="gpt-4o-mini", contents="hello").text == "echo: hello"
    streamed = client.models.generate_content_stream(model="claude-haiku-4-5", contents="hello")
    assert "".join(chunk.text or "" for chunk in streamed) == "echo: hello"
    assert [native.protocol_of(r) for r in emulator.requests()] == ["chat", "anthropic"]
