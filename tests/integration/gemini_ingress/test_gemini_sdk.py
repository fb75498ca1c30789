"""Gemini-native ingress with the official google-genai SDK pointed at the gateway, served by OpenAI-chat,
Anthropic and Gemini channels (what each provider received is checked in the emulator's log)."""
from __future__ import annotations

import json
import time

import pytest
import requests
from google import genai
from google.genai import errors, types

from tests.support import dbs

WEATHER = types.Tool(function_declarations=[types.FunctionDeclaration(
    name="get_weather", description="Current weather for a city",
    parameters=types.Schema(type="OBJECT", properties={"city": types.Schema(type="STRING")}, required=["city"]))])
NO_AFC = types.AutomaticFunctionCallingConfig(disable=True)


def sdk(gateway, key=None, api_version=None) -> genai.Client:
    return genai.Client(api_key=key or gateway.key,
                        http_options=types.HttpOptions(base_url=gateway.url, api_version=api_version))


def provider_path(model: str) -> str:
    return {"gpt-4o-mini": "/v1/chat/completions", "claude-haiku-4-5": "/v1/messages"}[model]


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude-haiku-4-5"])
def test_generate_content(gateway, emulator, model):
    client = sdk(gateway)
    answer = client.models.generate_content(
        model=model, contents="Hello there, gateway",
        config=types.GenerateContentConfig(system_instruction="Be terse.", max_output_tokens=50, temperature=0.3))
    assert answer.text == "echo: Hello there, gateway"
    assert answer.candidates[0].finish_reason == types.FinishReason.STOP
    assert answer.usage_metadata.prompt_token_count > 0 and answer.usage_metadata.candidates_token_count == 4
    sent = emulator.last_request(provider_path(model))["json"]
    if model == "claude-haiku-4-5":
        assert sent["max_tokens"] == 50 and "Be terse." in json.dumps(sent["system"])
    else:
        assert sent["messages"][0] == {"role": "system", "content": "Be terse."}
    assert sent["temperature"] == 0.3


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude-haiku-4-5"])
def test_generate_content_stream(gateway, emulator, model):
    client = sdk(gateway)
    chunks = list(client.models.generate_content_stream(model=model, contents="Stream this reply please"))
    assert len(chunks) > 2  # arrived in pieces
    assert "".join(c.text or "" for c in chunks) == "echo: Stream this reply please"
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert chunks[-1].usage_metadata.candidates_token_count == 5
    assert emulator.last_request(provider_path(model))["json"]["stream"] is True


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude-haiku-4-5"])
def test_function_calling_round_trip(gateway, emulator, model):
    client = sdk(gateway)
    config = types.GenerateContentConfig(tools=[WEATHER], automatic_function_calling=NO_AFC)
    question = types.Content(role="user", parts=[types.Part(text="What is the weather in Paris?")])
    first = client.models.generate_content(model=model, contents=[question], config=config)
    call = first.function_calls[0]
    assert call.name == "get_weather" and call.args["city"]
    offered = emulator.last_request(provider_path(model))["json"]["tools"][0]
    assert "get_weather" in json.dumps(offered) and "city" in json.dumps(offered)
    reply = types.Content(role="user", parts=[types.Part.from_function_response(
        name="get_weather", response={"result": "sunny, 21 C"})])
    chunks = list(client.models.generate_content_stream(
        model=model, contents=[question, first.candidates[0].content, reply], config=config))
    assert "".join(c.text or "" for c in chunks) == "tool result: sunny, 21 C"
    history = emulator.last_request(provider_path(model))["json"]["messages"]
    if model == "gpt-4o-mini":
        tool_call = history[1]["tool_calls"][0]
        assert tool_call["function"]["name"] == "get_weather"
        assert json.loads(tool_call["function"]["arguments"]) == call.args
        assert history[2]["role"] == "tool" and history[2]["tool_call_id"] == tool_call["id"]
        assert history[2]["content"] == "sunny, 21 C"
    else:
        tool_use = next(b for b in history[1]["content"] if b["type"] == "tool_use")
        assert tool_use["name"] == "get_weather" and tool_use["input"] == call.args
        result = history[2]["content"][0]
        assert result["type"] == "tool_result" and result["tool_use_id"] == tool_use["id"]


def test_gemini_channel_gets_the_body_as_sent(gateway, emulator):
    client = sdk(gateway)
    answer = client.models.generate_content(model="gemini-2.5-flash", contents="Straight through")
    assert answer.text == "echo: Straight through"
    sent = emulator.requests()[-1]
    assert sent["api_path"].endswith("/models/gemini-2.5-flash:generateContent")
    assert sent["json"]["contents"] == [{"parts": [{"text": "Straight through"}], "role": "user"}]
    assert sent["headers"]["x-goog-api-key"] == "emu-key-24"  # the channel's key, never the caller's
    chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="Streamed through"))
    assert "".join(c.text or "" for c in chunks) == "echo: Streamed through" and len(chunks) > 2
    assert chunks[-1].usage_metadata.candidates_token_count == 3
    assert emulator.requests()[-1]["query"].get("alt") == "sse"


@pytest.mark.parametrize("api_version", ["v1", "v1beta"])
def test_count_tokens_and_models(gateway, api_version):
    client = sdk(gateway, api_version=api_version)
    short = client.models.count_tokens(model="claude-haiku-4-5", contents="one two")
    longer = client.models.count_tokens(model="claude-haiku-4-5", contents="one two three four five six seven")
    assert 0 < short.total_tokens < longer.total_tokens
    names = {m.name for m in client.models.list()}
    assert {"models/gpt-4o-mini", "models/claude-haiku-4-5", "models/gemini-2.5-flash"} <= names
    assert client.models.get(model="gpt-4o-mini").supported_actions == [
        "generateContent", "streamGenerateContent", "countTokens"]
    with pytest.raises(errors.ClientError) as missing:
        client.models.get(model="no-such-model")
    assert missing.value.code == 404 and missing.value.status == "NOT_FOUND"
    assert client.models.generate_content(model="gpt-4o-mini", contents="Versioned").text == "echo: Versioned"
    # an OpenAI client still gets OpenAI's list from the same path
    openai_list = requests.get(f"{gateway.url}/v1/models", headers={"Authorization": f"Bearer {gateway.key}"},
                               timeout=10).json()
    assert openai_list["object"] == "list" and "gpt-4o-mini" in {m["id"] for m in openai_list["data"]}


def test_errors_in_gemini_shape(gateway):
    stranger = sdk(gateway, "sk-not-a-real-key")
    with pytest.raises(errors.ClientError) as bad_key:
        stranger.models.generate_content(model="gpt-4o-mini", contents="hi")
    assert bad_key.value.code == 401 and bad_key.value.status == "UNAUTHENTICATED"
    client = sdk(gateway)
    with pytest.raises(errors.APIError) as no_channel:
        client.models.generate_content(model="no-such-model", contents="hi")
    assert no_channel.value.code == 503 and no_channel.value.status == "UNAVAILABLE"
    resp = requests.post(f"{gateway.url}/v1beta/models/gpt-4o-mini:embedContent?key={gateway.key}", json={},
                         timeout=10)
    assert resp.status_code == 404 and resp.json()["error"]["status"] == "NOT_FOUND"


def test_query_key_and_json_array_stream(gateway):
    url = f"{gateway.url}/v1beta/models/claude-haiku-4-5:streamGenerateContent?key={gateway.key}"
    body = {"contents": [{"role": "user", "parts": [{"text": "Array form please"}]}]}
    resp = requests.post(url, json=body, timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    chunks = resp.json()
    assert isinstance(chunks, list) and len(chunks) > 2
    assert "".join(p.get("text", "") for c in chunks for p in c["candidates"][0]["content"]["parts"]) == \
        "echo: Array form please"
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    plain = requests.post(url.replace("streamGenerateContent", "generateContent"), json=body, timeout=10)
    assert plain.json()["candidates"][0]["content"]["parts"][0]["text"] == "echo: Array form please"


def test_stream_without_usage_is_billed_by_the_gateways_own_count(gateway):
    client = sdk(gateway)
    contents = "Count these words for the bill please"
    expected = client.models.count_tokens(model="gpt-nousage", contents=contents).total_tokens
    last_id = dbs.raw_query(gateway.tdb, "SELECT COALESCE(MAX(id), 0) FROM logs")[0][0]
    chunks = list(client.models.generate_content_stream(model="gpt-nousage", contents=contents))
    assert "".join(c.text or "" for c in chunks) == "echo: " + contents
    deadline, rows = time.time() + 5, []
    while time.time() < deadline and not rows:
        rows = dbs.raw_query(gateway.tdb, f"SELECT prompt_tokens FROM logs WHERE type = 2 AND id > {last_id}")
        time.sleep(0.1)
    assert rows == [(expected,)]  # the upstream reported nothing: the prompt is the gateway's own count
