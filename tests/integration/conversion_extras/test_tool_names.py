"""Tool names outside [a-zA-Z0-9_-]{1,64} reach providers renamed and come back under the client's names."""
from __future__ import annotations

import json

import pytest

from tests.integration.conversion_extras.conftest import post, sse_data, sse_events

NAME = "weather.get"  # OpenAI, Anthropic and Gemini reject the dot
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
CHAT_TOOLS = [{"type": "function", "function": {"name": NAME, "description": "Weather", "parameters": SCHEMA}},
              {"type": "function", "function": {"name": "plain_tool", "parameters": SCHEMA}}]


def chat_body(model: str, **extra) -> dict:
    return {"model": model, "max_tokens": 200, "tools": CHAT_TOOLS,
            "tool_choice": {"type": "function", "function": {"name": NAME}},
            "messages": [{"role": "user", "content": "weather in Paris"}], **extra}


def upstream_names(sent: dict) -> list[str]:
    names = []
    for tool in sent.get("tools") or []:
        if "functionDeclarations" in tool:  # Gemini
            names += [decl["name"] for decl in tool["functionDeclarations"]]
        else:
            names.append((tool.get("function") or {}).get("name") or tool.get("name"))
    return names


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash"])
def test_chat_client_sees_its_own_tool_name(gateway, emulator, model):
    resp = post(gateway, "/v1/chat/completions", chat_body(model))
    assert resp.status_code == 200, resp.text
    sent = emulator.last_request()["json"]
    assert upstream_names(sent) == ["weather_get", "plain_tool"]
    assert NAME not in json.dumps(sent)
    call = resp.json()["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == NAME and json.loads(call["function"]["arguments"])["city"]


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude-haiku-4-5"])
def test_streamed_tool_call_names_are_restored(gateway, model):
    resp = post(gateway, "/v1/chat/completions", chat_body(model, stream=True), stream=True)
    calls = [tc for c in sse_data(resp) if c.get("choices") for tc in c["choices"][0]["delta"].get("tool_calls") or []]
    assert [tc["function"]["name"] for tc in calls if tc["function"].get("name")] == [NAME]


def test_tool_history_is_renamed_upstream(gateway, emulator):
    body = chat_body("claude-haiku-4-5")
    body.pop("tool_choice")
    body["messages"] += [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": NAME, "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]
    resp = post(gateway, "/v1/chat/completions", body)
    assert resp.status_code == 200, resp.text
    sent = emulator.last_request("/v1/messages")["json"]
    tool_use = sent["messages"][1]["content"][0]
    assert tool_use["type"] == "tool_use" and tool_use["name"] == "weather_get"
    assert resp.json()["choices"][0]["message"]["content"] == "tool result: sunny"


def test_claude_client_stream_and_responses_client(gateway, emulator):
    claude = {"model": "gpt-4o-mini", "max_tokens": 200, "stream": True,
              "tools": [{"name": NAME, "input_schema": SCHEMA}], "tool_choice": {"type": "tool", "name": NAME},
              "messages": [{"role": "user", "content": "weather in Paris"}]}
    resp = post(gateway, "/v1/messages", claude, stream=True)
    assert "message_stop" in sse_events(resp)
    starts = [d["content_block"] for d in sse_data(resp) if d.get("type") == "content_block_start"]
    assert [b["name"] for b in starts if b["type"] == "tool_use"] == [NAME]
    assert upstream_names(emulator.last_request("/v1/chat/completions")["json"]) == ["weather_get"]
    responses = {"model": "claude-haiku-4-5", "input": "weather in Paris", "tool_choice": "required",
                 "tools": [{"type": "function", "name": NAME, "parameters": SCHEMA}]}
    answer = post(gateway, "/v1/responses", responses)
    assert answer.status_code == 200, answer.text
    assert [o["name"] for o in answer.json()["output"] if o["type"] == "function_call"] == [NAME]
    assert upstream_names(emulator.last_request("/v1/messages")["json"]) == ["weather_get"]


def test_distinct_unsafe_names_stay_distinct(gateway, emulator):
    tools = [{"type": "function", "function": {"name": n, "parameters": SCHEMA}} for n in ("a.b", "a b", "天气")]
    body = {"model": "gpt-4o-mini", "tools": tools, "tool_choice": {"type": "function", "function": {"name": "天气"}},
            "messages": [{"role": "user", "content": "weather in Paris"}]}
    resp = post(gateway, "/v1/chat/completions", body)
    assert resp.status_code == 200, resp.text
    names = upstream_names(emulator.last_request()["json"])
    assert len(set(names)) == 3 and all(n.replace("_", "").replace("-", "").isalnum() and n.isascii() for n in names)
    assert resp.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "天气"
