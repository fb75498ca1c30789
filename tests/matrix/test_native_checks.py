"""The matrix test's reading of provider requests: a request that lost a field is caught."""
from __future__ import annotations

import copy

from oneapi.tools.matrix_judge import select
from tests.matrix import native

HISTORY = select(["claude_tools_history_stream_true"])[0]
STRUCTURED = select(["chat_structured_stream_false"])[0]


def _gemini_record(body, stream=True):
    action = "streamGenerateContent" if stream else "generateContent"
    return {"api_path": f"/v1beta/models/gemini-2.5-flash:{action}", "json": body, "headers": {},
            "query": {"alt": "sse"} if stream else {}}


GOOD_GEMINI = {
    "systemInstruction": {"parts": [{"text": select(["claude_tools"])[0].attempts("m")[0]["system"]}]},
    "contents": [
        {"role": "user", "parts": [{"text": "Call the get_weather tool to check the current weather in San Francisco, "
                                            "CA. You MUST invoke the tool - do not respond with text."}]},
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather",
                                                      "args": {"location": "San Francisco, CA", "unit": "celsius"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather",
                                                         "response": {"temperature_c": 15, "condition": "Foggy"}}},
                                   {"text": "Thanks. Now check the weather in San Francisco, CA again, this time in "
                                            "fahrenheit."}]}],
    "tools": [{"functionDeclarations": [{"name": "get_weather", "parameters": {
        "type": "OBJECT", "properties": {"location": {"type": "STRING"},
                                         "unit": {"type": "STRING", "enum": ["celsius", "fahrenheit"]}}}}]}],
    "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}},
    "generationConfig": {"maxOutputTokens": 2048},
}


def test_complete_gemini_history_has_no_problems():
    seen = native.summarize(_gemini_record(GOOD_GEMINI))
    assert native.body_problems(seen, HISTORY, HISTORY.attempts("m")[0]) == []


def test_lost_fields_are_reported():
    client = HISTORY.attempts("m")[0]
    lossy = copy.deepcopy(GOOD_GEMINI)
    lossy["contents"][2]["parts"] = lossy["contents"][2]["parts"][1:]  # tool result dropped (the fork's way)
    lossy["toolConfig"] = {}
    lossy["generationConfig"] = {}
    del lossy["tools"][0]["functionDeclarations"][0]["parameters"]["properties"]["unit"]["enum"]
    problems = native.body_problems(native.summarize(_gemini_record(lossy, stream=False)), HISTORY, client)
    assert "tool result lost from history" in problems
    assert "forced tool get_weather not forced upstream (None)" in problems
    assert "token limit None sent, client asked 2048" in problems
    assert "get_weather: enum lost" in problems
    assert any(p.startswith("stream flag") for p in problems)


def test_structured_schema_must_reach_chat_providers():
    client = STRUCTURED.attempts("deepseek-chat")[0]
    downgraded = {"api_path": "/v1/chat/completions", "headers": {}, "query": {},
                  "json": {**client, "response_format": {"type": "json_object"}}}
    seen = native.summarize(downgraded)
    assert seen.json_mode and seen.structured is None
    assert native.body_problems(seen, STRUCTURED, client) == ["structured output not requested upstream"]
    assert native.body_problems(native.summarize({**downgraded, "json": client}), STRUCTURED, client) == []
    # DeepSeek takes json_object only: the schema's fields must then be spelled out in the prompt
    assert native.body_problems(native.summarize({**downgraded, "json": client}), STRUCTURED, client,
                                json_object_only=True) == ["structured output not sent as json_object"]
    assert native.body_problems(seen, STRUCTURED, client, json_object_only=True) == [
        "json_object sent without an instruction naming the schema's fields"]
    instructed = copy.deepcopy(downgraded)
    instructed["json"]["messages"][0]["content"] += " Reply with a JSON object with keys topic and confidence."
    assert native.body_problems(native.summarize(instructed), STRUCTURED, client, json_object_only=True) == []


def test_credentials_by_provider():
    record = {"headers": {"x-api-key": "k", "anthropic-version": "2023-06-01"}, "query": {}}
    assert native.credentials_problem(record, "anthropic", 14, "k") is None
    assert native.credentials_problem({"headers": {"authorization": "Bearer k"}, "query": {}}, "chat", 3, "k")
    assert native.credentials_problem({"headers": {}, "query": {"key": "k"}}, "gemini", 24, "k") is None
