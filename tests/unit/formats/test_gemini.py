"""Gemini generateContent <-> the other formats."""

import base64
import json

import anthropic.types as at
from google.genai import types as gt
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from oneapi.relay.formats import chat, claude, gemini, ir, responses
from oneapi.relay.formats.assemble import assemble
from tests.unit.formats import samples as S
from tests.unit.formats.helpers import chat_sse, claude_sse, decode_all, events, pipe


def chat_req(**kw):
    body = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}]}
    body.update(kw)
    return chat.decode_request(body)


def test_chat_request_with_tool_history_to_gemini():
    req = chat.decode_request({
        "model": "gemini-2.5-flash", "temperature": 0.5, "top_p": 0.9, "max_tokens": 256, "stop": ["END"],
        "seed": 3, "reasoning_effort": "low",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Weather?"},
                                         {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{S.PNG_B64}"}}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 18}"},
            {"role": "tool", "tool_call_id": "call_2", "content": "noon"},
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
            "$schema": "http://json-schema.org/draft-07/schema#", "additionalProperties": False, **S.WEATHER}}},
            {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    })
    out = gemini.encode_request(req)
    assert out["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    user, model, results = out["contents"]
    assert user == {"role": "user", "parts": [{"text": "Weather?"},
                                              {"inlineData": {"mimeType": "image/png", "data": S.PNG_B64}}]}
    assert model["role"] == "model"
    assert model["parts"][0]["functionCall"] == {"name": "get_weather", "args": {"location": "Paris"}}
    assert model["parts"][0]["thoughtSignature"] == gemini.SKIP_SIGNATURE  # history from another model
    assert results["parts"] == [
        {"functionResponse": {"name": "get_weather", "response": {"temp": 18}}},
        {"functionResponse": {"name": "get_time", "response": {"result": "noon"}}}]
    decls = out["tools"][0]["functionDeclarations"]
    assert decls[0]["parameters"] == {"type": "OBJECT", "properties": {
        "location": {"type": "STRING", "description": "City and region"},
        "unit": {"type": "STRING", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}
    assert "parameters" not in decls[1]  # Gemini rejects empty OBJECT parameters
    assert out["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}}
    gen = out["generationConfig"]
    assert gen == {"temperature": 0.5, "topP": 0.9, "maxOutputTokens": 256, "seed": 3, "stopSequences": ["END"],
                   "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": True}}
    gt.GenerateContentConfig.model_validate({k: v for k, v in gen.items()})


def test_structured_output_schema_is_cleaned_for_gemini():
    schema = {"$schema": "x", "type": "object", "additionalProperties": False, "$defs": {
        "Level": {"type": "string", "enum": ["low", "high"]}},
        "properties": {"topic": {"type": ["string", "null"]}, "level": {"$ref": "#/$defs/Level"},
                       "tags": {"type": "array", "items": {"type": "string", "const": "x"}}},
        "required": ["topic"]}
    out = gemini.encode_request(chat_req(response_format={"type": "json_schema", "json_schema": {
        "name": "n", "schema": schema, "strict": True}}))
    gen = out["generationConfig"]
    assert gen["responseMimeType"] == "application/json"
    assert gen["responseSchema"] == {"type": "OBJECT", "properties": {
        "topic": {"type": "STRING", "nullable": True},
        "level": {"type": "STRING", "enum": ["low", "high"]},
        "tags": {"type": "ARRAY", "items": {"type": "STRING", "enum": ["x"]}}}, "required": ["topic"]}
    gt.Schema.model_validate(gen["responseSchema"])
    assert "responseSchema" not in gemini.encode_request(chat_req(response_format={"type": "json_object"}))[
        "generationConfig"]


def test_gemini_request_round_trip():
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "hi"}, {"fileData": {"mimeType": "application/pdf",
                                                                     "fileUri": "gs://b/doc.pdf"}}]},
            {"role": "model", "parts": [{"text": "thinking", "thought": True, "thoughtSignature": S.GEMINI_SIG},
                                        {"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": S.GEMINI_SIG}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {"ok": True}}}]},
        ],
        "systemInstruction": {"parts": [{"text": "S"}]},
        "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {
            "a": {"type": "INTEGER"}}}}]}, {"googleSearch": {}}],
        "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
        "generationConfig": {"temperature": 1, "topK": 40, "thinkingConfig": {"thinkingBudget": 512, "includeThoughts": True}},
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    }
    req = gemini.decode_request(body)
    assert req.messages[2].parts[0].call_id == req.messages[1].parts[1].id  # ids linked by name and order
    out = gemini.encode_request(req)
    assert out["contents"] == body["contents"]
    assert out["systemInstruction"] == body["systemInstruction"]
    assert out["tools"] == body["tools"]
    assert out["generationConfig"] == body["generationConfig"]
    assert out["safetySettings"] == body["safetySettings"]
    # the same history sent to Claude keeps the tool ids linked
    cl = claude.encode_request(req)
    assert cl["messages"][2]["content"][0]["tool_use_id"] == cl["messages"][1]["content"][0]["id"]


def test_gemini_response_to_chat_claude_and_responses():
    resp = gemini.decode_response(S.GEMINI_RESPONSE)
    assert resp.finish == "tool_calls"
    assert resp.usage.output == 50 and resp.usage.reasoning == 30 and resp.usage.cache_read == 400
    c = chat.encode_response(resp, chat_req())
    ChatCompletion.model_validate(c)
    msg = c["choices"][0]["message"]
    assert msg["content"] == "Looking it up." and msg["reasoning_content"] == "Considering the cities."
    assert msg["tool_calls"][0]["extra_content"] == {"google": {"thought_signature": S.GEMINI_SIG}}
    assert msg["tool_calls"][0]["id"] != msg["tool_calls"][1]["id"]
    assert c["choices"][0]["finish_reason"] == "tool_calls"
    assert c["usage"]["prompt_tokens"] == 500 and c["usage"]["completion_tokens"] == 50

    m = at.Message.model_validate(claude.encode_response(resp, claude.decode_request({"model": "c", "messages": []})))
    assert [b.type for b in m.content] == ["thinking", "text", "thinking", "tool_use", "tool_use"]
    assert m.content[2].signature == "gemini-call:" + S.GEMINI_SIG
    assert m.usage.input_tokens == 100 and m.usage.cache_read_input_tokens == 400

    r = Response.model_validate(responses.encode_response(resp, responses.decode_request({"model": "g", "input": "x"})))
    assert [o.type for o in r.output] == ["reasoning", "message", "reasoning", "function_call", "function_call"]


def test_gemini_call_signature_round_trips_through_claude_chat_and_responses_clients():
    resp = gemini.decode_response(S.GEMINI_RESPONSE)
    # Claude client
    first = claude.encode_response(resp, claude.decode_request({"model": "c", "messages": []}))
    req = claude.decode_request({"model": "g", "messages": [
        {"role": "user", "content": "q"}, {"role": "assistant", "content": first["content"]}]})
    parts = gemini.encode_request(req)["contents"][1]["parts"]
    calls = [p for p in parts if "functionCall" in p]
    assert calls[0]["thoughtSignature"] == S.GEMINI_SIG and "thoughtSignature" not in calls[1]
    assert not any(p.get("thought") for p in parts)  # unsigned Gemini summaries are not sent back
    # Chat client
    msg = chat.encode_response(resp, chat_req())["choices"][0]["message"]
    req = chat.decode_request({"model": "g", "messages": [{"role": "user", "content": "q"}, msg]})
    calls = [p for p in gemini.encode_request(req)["contents"][1]["parts"] if "functionCall" in p]
    assert calls[0]["thoughtSignature"] == S.GEMINI_SIG
    # Responses client
    out = responses.encode_response(resp, responses.decode_request({"model": "g", "input": "x"}))
    req = responses.decode_request({"model": "g", "input": [{"role": "user", "content": "q"}, *out["output"]]})
    calls = [p for p in gemini.encode_request(req)["contents"][1]["parts"] if "functionCall" in p]
    assert calls[0]["thoughtSignature"] == S.GEMINI_SIG
    # and never to another provider
    assert "gemini" not in json.dumps(claude.encode_request(req)) + json.dumps(responses.encode_request(req))


def test_foreign_signature_in_gemini_format_is_base64_and_round_trips():
    resp = claude.decode_response(S.CLAUDE_RESPONSE)
    out = gemini.encode_response(resp, gemini.decode_request({"contents": []}))
    parsed = gt.GenerateContentResponse.model_validate(out)
    sig = parsed.candidates[0].content.parts[0].thought_signature
    assert sig == b"anthropic:" + S.SIG.encode()
    back = gemini.decode_request({"contents": [{"role": "model", "parts": out["candidates"][0]["content"]["parts"]}]})
    thinking = back.messages[0].parts[0]
    assert (thinking.signature, thinking.origin) == (S.SIG, "anthropic")
    assert claude.encode_request(back)["messages"][0]["content"][0]["signature"] == S.SIG


def test_gemini_finish_reasons():
    for reason, expected in (("MAX_TOKENS", "length"), ("SAFETY", "content_filter"), ("RECITATION", "content_filter"),
                             ("STOP", "stop")):
        body = {"candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]}, "finishReason": reason}]}
        assert gemini.decode_response(body).finish == expected
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 3}}
    assert gemini.decode_response(blocked).finish == "content_filter"
    resp = ir.Response(parts=[ir.Text("x")], finish="length")
    assert gemini.encode_response(resp, chat_req())["candidates"][0]["finishReason"] == "MAX_TOKENS"


def test_gemini_stream_to_claude():
    req = claude.decode_request({"model": "c", "messages": [], "stream": True})
    evs = events(pipe("gemini", "claude", req, [(None, c) for c in S.GEMINI_STREAM]))
    blocks = [d["content_block"]["type"] for n, d in evs if n == "content_block_start"]
    assert blocks == ["thinking", "text", "thinking", "tool_use"]
    text = "".join(d["delta"].get("text", "") for n, d in evs if n == "content_block_delta")
    assert text == "Sure, checking."
    args = "".join(d["delta"].get("partial_json", "") for n, d in evs if n == "content_block_delta")
    assert json.loads(args) == {"location": "Paris", "unit": "celsius"}
    assert evs[-2][1]["delta"]["stop_reason"] == "tool_use"
    assert evs[-2][1]["usage"]["output_tokens"] == 50
    assert [n for n, _ in evs][-1] == "message_stop"


def test_gemini_stream_to_chat_and_responses():
    req = chat_req(stream=True, stream_options={"include_usage": True})
    raw = pipe("gemini", "chat", req, [(None, c) for c in S.GEMINI_STREAM])
    resp = assemble(decode_all("chat", raw))
    assert resp.text == "Sure, checking." and resp.finish == "tool_calls"
    assert resp.tool_calls[0].signature == S.GEMINI_SIG
    assert resp.usage.reasoning == 30
    rreq = responses.decode_request({"model": "g", "input": "x", "stream": True})
    evs = events(pipe("gemini", "responses", rreq, [(None, c) for c in S.GEMINI_TRUNCATED_STREAM]))
    assert evs[-1][0] == "response.incomplete"
    assert evs[-1][1]["response"]["output"][0]["content"][0]["text"] == "Once upon a time"


def test_claude_and_chat_streams_to_gemini():
    req = gemini.decode_request({"contents": []})
    raw = pipe("claude", "gemini", req, claude_sse(S.CLAUDE_STREAM))
    chunks = [gt.GenerateContentResponse.model_validate(d) for _, d in events(raw)]
    texts = "".join(p.text or "" for c in chunks for p in c.candidates[0].content.parts if not p.thought)
    assert texts == "Checking the weather."
    calls = [p.function_call for c in chunks for p in c.candidates[0].content.parts if p.function_call]
    assert calls[0].args == {"location": "San Francisco, CA"} and calls[0].name == "get_weather"
    assert chunks[-1].candidates[0].finish_reason == gt.FinishReason.STOP
    assert chunks[-1].usage_metadata.prompt_token_count == 160
    resp = assemble(decode_all("gemini", raw))
    assert resp.parts[0].signature == S.SIG and resp.parts[0].origin == "anthropic"
    raw = pipe("chat", "gemini", req, chat_sse(S.CHAT_TRUNCATED_STREAM))
    assert events(raw)[-1][1]["candidates"][0]["finishReason"] == "MAX_TOKENS"


def test_gemini_stream_without_finish_is_an_error():
    evs = events(pipe("gemini", "chat", chat_req(), [(None, c) for c in S.GEMINI_STREAM[:3]]))
    assert "error" in evs[-2][1]
    err = gemini.StreamEncoder(chat_req(), "r", 0).error(429, "quota")
    assert events(err) == [(None, {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}})]


def test_gemini_errors():
    body = json.dumps({"error": {"code": 400, "message": "API key not valid", "status": "INVALID_ARGUMENT"}}).encode()
    err = gemini.decode_error(400, body)
    assert (err.message, err.type, err.code) == ("API key not valid", "INVALID_ARGUMENT", "400")
    assert gemini.encode_error(503, "down")["error"]["status"] == "UNAVAILABLE"


def test_sig_helpers_leave_native_signatures_alone():
    assert gemini.sig_in(S.GEMINI_SIG) == ("gemini", S.GEMINI_SIG)
    tagged = gemini.sig_out("openai", "gAAAA")
    assert base64.b64decode(tagged) == b"openai:gAAAA"
    assert gemini.sig_in(tagged) == ("openai", "gAAAA")


def test_remote_images_are_listed_for_the_relay_to_inline():
    req = chat.decode_request({"model": "g", "messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                                     {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{S.PNG_B64}"}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "shot", "arguments": "{}"}}]}]})
    req.messages.append(ir.Message("user", [ir.ToolResult("c1", [ir.Image(url="https://example.com/b.jpg")])]))
    remote = list(ir.iter_remote_images(req))
    assert [i.url for i in remote] == ["https://example.com/a.png", "https://example.com/b.jpg"]
    assert gemini.encode_request(req)["contents"][0]["parts"][0] == {
        "fileData": {"mimeType": "image/png", "fileUri": "https://example.com/a.png"}}
    for image in remote:  # what the relay does after fetching
        image.data, image.media_type = S.PNG_B64, "image/png"
    out = gemini.encode_request(req)
    assert out["contents"][0]["parts"][0] == {"inlineData": {"mimeType": "image/png", "data": S.PNG_B64}}
    assert out["contents"][2]["parts"][1] == {"inlineData": {"mimeType": "image/png", "data": S.PNG_B64}}
    assert not list(ir.iter_remote_images(req))
