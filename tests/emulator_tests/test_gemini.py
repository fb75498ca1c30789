"""Gemini through the official google-genai SDK."""
import json

import pytest
import requests
from google import genai
from google.genai import errors, types
from pydantic import BaseModel

WEATHER = types.FunctionDeclaration(
    name="get_weather", description="Get the weather",
    parameters_json_schema={"type": "object", "properties": {
        "location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["location"]})


def client_for(base_url, api_key="gemini-key"):
    return genai.Client(api_key=api_key, http_options=types.HttpOptions(
        base_url=base_url, api_version="v1beta", retry_options=types.HttpRetryOptions(attempts=1)))


@pytest.fixture
def gem(emu):
    return client_for(emu.url)


def test_generate_text(gem, fresh):
    result = gem.models.generate_content(
        model="gemini-2.5-flash", contents="Say hello in one sentence.",
        config=types.GenerateContentConfig(system_instruction="be brief"))
    assert result.text == "echo: Say hello in one sentence."
    assert result.candidates[0].finish_reason == types.FinishReason.STOP
    usage = result.usage_metadata
    assert (usage.prompt_token_count, usage.candidates_token_count, usage.total_token_count) == (7, 6, 13)
    recorded = fresh.last_request()
    assert recorded["api_path"] == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert recorded["headers"]["x-goog-api-key"] == "gemini-key"
    assert recorded["json"]["systemInstruction"]["parts"][0]["text"] == "be brief"


def test_stream_sse_chunks_with_cumulative_usage(gem, fresh):
    chunks = list(gem.models.generate_content_stream(model="gemini-2.5-flash", contents="stream this reply now"))
    assert len(chunks) >= 5
    assert "".join(c.text for c in chunks) == "echo: stream this reply now"
    counts = [c.usage_metadata.candidates_token_count for c in chunks]
    assert counts == sorted(counts) and counts[-1] == 5
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert all(c.candidates[0].finish_reason is None for c in chunks[:-1])
    assert fresh.last_request()["query"] == {"alt": "sse"}


def test_raw_sse_uses_crlf_and_array_stream_without_alt(emu):
    url = emu.url + "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    payload = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    sse_body = requests.post(url + "?alt=sse&key=k", json=payload).text
    assert sse_body.startswith("data: {") and "\r\n\r\n" in sse_body and "[DONE]" not in sse_body
    array = requests.post(url, json=payload, headers={"x-goog-api-key": "k"})
    chunks = array.json()
    assert isinstance(chunks, list) and "".join(c["candidates"][0]["content"]["parts"][0]["text"]
                                                for c in chunks) == "echo: hi"


def test_function_call_forced_and_auto(gem):
    config = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[WEATHER])],
        tool_config=types.ToolConfig(function_calling_config=types.FunctionCallingConfig(
            mode="ANY", allowed_function_names=["get_weather"])))
    result = gem.models.generate_content(model="gemini-2.5-flash", contents="Tokyo", config=config)
    call = result.function_calls[0]
    assert call.name == "get_weather" and call.args == {"location": "Tokyo", "unit": "celsius"}
    assert result.candidates[0].finish_reason == types.FinishReason.STOP
    auto = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[WEATHER])])
    assert gem.models.generate_content(model="g", contents="hello", config=auto).function_calls is None
    streamed = list(gem.models.generate_content_stream(model="g", contents="weather in Rome?", config=auto))
    calls = [c.function_calls[0] for c in streamed if c.function_calls]
    assert len(calls) == 1 and calls[0].args["location"] == "weather in Rome?"


def test_function_response_is_quoted(gem):
    contents = [
        types.Content(role="user", parts=[types.Part(text="weather?")]),
        types.Content(role="model", parts=[types.Part(function_call=types.FunctionCall(
            name="get_weather", args={"location": "Paris"}))]),
        types.Content(role="user", parts=[types.Part(function_response=types.FunctionResponse(
            name="get_weather", response={"result": "sunny"}))])]
    result = gem.models.generate_content(model="g", contents=contents, config=types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[WEATHER])]))
    assert result.text == "tool result: sunny"


def test_thoughts_included_and_counted(gem):
    config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True,
                                                                              thinking_budget=1024))
    result = gem.models.generate_content(model="gemini-2.5-pro", contents="why", config=config)
    parts = result.candidates[0].content.parts
    assert parts[0].thought is True and parts[0].text == "Thinking about: why"
    assert parts[1].text == "echo: why" and parts[1].thought_signature
    usage = result.usage_metadata
    assert usage.thoughts_token_count == 3 and usage.candidates_token_count == 2
    assert usage.total_token_count == usage.prompt_token_count + 3 + 2
    chunks = list(gem.models.generate_content_stream(model="gemini-2.5-pro", contents="why", config=config))
    thought_text = "".join(p.text for c in chunks for p in c.candidates[0].content.parts if p.thought)
    assert thought_text == "Thinking about: why"
    hidden = gem.models.generate_content(model="gemini-thinking", contents="why")
    assert all(not p.thought for p in hidden.candidates[0].content.parts)
    assert hidden.usage_metadata.thoughts_token_count == 3


def test_structured_output_with_response_schema(gem):
    class Topic(BaseModel):
        topic: str
        confidence: float

    result = gem.models.generate_content(model="g", contents="AI adoption", config=types.GenerateContentConfig(
        response_mime_type="application/json", response_schema=Topic))
    assert result.parsed == Topic(topic="AI adoption", confidence=0.5)
    json_schema = gem.models.generate_content(model="g", contents="x", config=types.GenerateContentConfig(
        response_mime_type="application/json", response_json_schema={
            "type": "object", "properties": {"n": {"type": "integer", "minimum": 3}, "tags": {
                "type": "array", "items": {"type": "string"}, "minItems": 2}}, "required": ["n", "tags"]}))
    assert json.loads(json_schema.text) == {"n": 3, "tags": ["x", "x"]}


def test_max_output_tokens(gem):
    result = gem.models.generate_content(model="g", contents="one two three", config=types.GenerateContentConfig(
        max_output_tokens=2))
    assert result.text == "echo: one"
    assert result.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS


def test_cached_content_tokens(gem):
    result = gem.models.generate_content(model="g", contents="a b c d", config=types.GenerateContentConfig(
        cached_content="cachedContents/abc"))
    assert result.usage_metadata.cached_content_token_count == 2


def test_count_tokens_and_embeddings(gem):
    assert gem.models.count_tokens(model="g", contents="one two three").total_tokens == 3
    embedded = gem.models.embed_content(model="gemini-embedding-001", contents=["first text", "second"],
                                        config=types.EmbedContentConfig(output_dimensionality=8))
    vectors = [e.values for e in embedded.embeddings]
    assert len(vectors) == 2 and len(vectors[0]) == 8 and vectors[0] != vectors[1]
    again = gem.models.embed_content(model="gemini-embedding-001", contents="first text",
                                     config=types.EmbedContentConfig(output_dimensionality=8))
    assert again.embeddings[0].values == vectors[0]


def test_single_embed_content_endpoint(emu):
    response = requests.post(emu.url + "/v1beta/models/text-embedding-004:embedContent?key=k",
                             json={"content": {"parts": [{"text": "hello"}]}})
    assert len(response.json()["embedding"]["values"]) == 16


def test_models_list(gem):
    names = [m.name for m in gem.models.list()]
    assert "models/gemini-2.5-flash" in names


@pytest.mark.parametrize("scenario, status, state", [
    ("fail500", 500, "INTERNAL"), ("fail503", 503, "UNAVAILABLE"), ("rate429", 429, "RESOURCE_EXHAUSTED"),
    ("bad400", 400, "INVALID_ARGUMENT")])
def test_errors(emu, scenario, status, state):
    error_type = errors.ServerError if status >= 500 else errors.ClientError
    client = client_for(emu.scenario_url(scenario))  # keep a reference: a collected Client closes its transport
    with pytest.raises(error_type) as info:
        client.models.generate_content(model="g", contents="x")
    assert info.value.code == status and info.value.status == state


def test_key_is_required(emu):
    url = emu.url + "/v1beta/models/g:generateContent"
    payload = {"contents": [{"parts": [{"text": "x"}]}]}
    missing = requests.post(url, json=payload)
    assert missing.status_code == 403 and missing.json()["error"]["status"] == "PERMISSION_DENIED"
    bad = requests.post(url + "?key=bad-key", json=payload)
    assert bad.status_code == 400 and set(bad.json()["error"]) == {"code", "message", "status"}
    assert requests.post(url + "?key=good", json=payload).status_code == 200


def test_blocked_prompt_and_stream_without_usage(emu):
    blocked = requests.post(emu.url + "/s/blocked/v1beta/models/g:generateContent?key=k",
                            json={"contents": [{"parts": [{"text": "x"}]}]}).json()
    assert "candidates" not in blocked and blocked["promptFeedback"]["blockReason"] == "SAFETY"
    client = client_for(emu.scenario_url("nousage"))
    chunks = list(client.models.generate_content_stream(model="g", contents="x"))
    assert all(c.usage_metadata is None for c in chunks)


def test_snake_case_request_fields_are_accepted(emu):
    response = requests.post(emu.url + "/v1beta/models/g:generateContent?key=k", json={
        "contents": [{"role": "user", "parts": [{"text": "one two three"}]}],
        "generation_config": {"max_output_tokens": 2}})
    assert response.json()["candidates"][0]["finishReason"] == "MAX_TOKENS"


def test_stop_sequences(gem):
    result = gem.models.generate_content(model="g", contents="one two three", config=types.GenerateContentConfig(
        stop_sequences=["three"]))
    assert result.text == "echo: one two " and result.candidates[0].finish_reason == types.FinishReason.STOP
