"""Chat Completions <-> Anthropic Messages: requests, responses, streams, errors."""

import json

import anthropic.types as at
import pydantic
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from oneapi.relay.formats import chat, claude, ir
from tests.unit.formats import samples as S
from tests.unit.formats.helpers import chat_sse, claude_sse, decode_all, events, pipe

CLAUDE_EVENT = pydantic.TypeAdapter(at.RawMessageStreamEvent)


def chat_request(**kw):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    body.update(kw)
    return chat.decode_request(body)


# ---------------------------------------------------------------- requests


def test_chat_request_to_claude_maps_system_sampling_tools_and_history():
    body = {
        "model": "gpt-4o-mini", "max_completion_tokens": 300, "temperature": 0.2, "top_p": 0.9,
        "stop": "END", "parallel_tool_calls": False,
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "developer", "content": [{"type": "text", "text": "Use metric."}]},
            {"role": "user", "content": [
                {"type": "text", "text": "Weather in Paris and Rome?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{S.PNG_B64}"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
            ]},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Rome\"}"}},
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
            {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "25C"}]},
            {"role": "user", "content": "Thanks, and tomorrow?"},
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get weather",
                                                    "parameters": S.WEATHER}}],
        "tool_choice": "required",
    }
    out = claude.encode_request(chat.decode_request(body))
    assert out["system"] == "You are terse.\n\nUse metric."
    assert out["max_tokens"] == 300
    assert out["temperature"] == 0.2 and "top_p" not in out  # newer Claude rejects both together
    assert out["stop_sequences"] == ["END"]
    assert out["tools"] == [{"name": "get_weather", "description": "Get weather", "input_schema": S.WEATHER}]
    assert out["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    roles = [m["role"] for m in out["messages"]]
    assert roles == ["user", "assistant", "user"]
    user, assistant, results = out["messages"]
    assert user["content"][1] == {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                              "data": S.PNG_B64}}
    assert user["content"][2] == {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}}
    assert [b["type"] for b in assistant["content"]] == ["tool_use", "tool_use"]  # empty text dropped
    assert assistant["content"][1]["input"] == {"location": "Rome"}
    assert [b["type"] for b in results["content"]] == ["tool_result", "tool_result", "text"]
    assert results["content"][0]["tool_use_id"] == "call_1"
    assert results["content"][1]["content"] == [{"type": "text", "text": "25C"}]


def test_claude_request_to_chat_maps_blocks_history_and_thinking():
    body = {
        "model": "claude-sonnet-4-5", "max_tokens": 2048, "top_k": 40, "stop_sequences": ["X"],
        "system": [{"type": "text", "text": "Sys A"}, {"type": "text", "text": "Sys B",
                                                      "cache_control": {"type": "ephemeral"}}],
        "thinking": {"type": "enabled", "budget_tokens": 1500},
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": S.PNG_B64}}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "hmm", "signature": S.SIG},
                {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "png"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "is_error": True,
                 "content": [{"type": "text", "text": "not found"}]},
                {"type": "text", "text": "Try again"}]},
        ],
        "tools": [{"name": "lookup", "description": "Look up", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "tool", "name": "lookup"},
    }
    req = claude.decode_request(body)
    assert req.reasoning.budget_tokens == 1500
    out = chat.encode_request(req)
    msgs = out["messages"]
    assert msgs[0] == {"role": "system", "content": "Sys A\n\nSys B"}
    assert msgs[1]["content"][1] == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{S.PNG_B64}"}}
    assert msgs[2]["tool_calls"] == [{"id": "toolu_1", "type": "function",
                                      "function": {"name": "lookup", "arguments": "{\"q\": \"png\"}"}}]
    assert "reasoning_content" not in msgs[2]  # Anthropic-signed reasoning means nothing to a Chat provider
    assert msgs[3] == {"role": "tool", "tool_call_id": "toolu_1", "content": "Error: not found"}
    assert msgs[4] == {"role": "user", "content": "Try again"}
    assert out["tool_choice"] == {"type": "function", "function": {"name": "lookup"}}
    assert out["stop"] == ["X"] and out["max_tokens"] == 2048
    assert out["reasoning_effort"] == "low"  # budget 1500 -> low
    assert "top_k" not in out  # not an OpenAI parameter


def test_claude_request_round_trip_keeps_blocks_cache_control_and_signatures():
    body = {
        "model": "claude-sonnet-4-5", "max_tokens": 512,
        "system": [{"type": "text", "text": "Long system", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "q", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "t", "signature": S.SIG},
                {"type": "redacted_thinking", "data": "REDACTED=="},
                {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                          "content": [{"type": "text", "text": "ok"}]}]},
        ],
        "tools": [{"name": "f", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}}],
        "metadata": {"user_id": "u1"},
        "service_tier": "auto",
    }
    out = claude.encode_request(claude.decode_request(body))
    assert out["system"] == body["system"]
    assert out["messages"] == body["messages"]
    assert out["tools"] == body["tools"]
    assert out["metadata"] == {"user_id": "u1"} and out["service_tier"] == "auto"


def test_chat_request_round_trip():
    body = {
        "model": "gpt-4o", "messages": [
            {"role": "system", "content": "S"},
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "r"},
        ],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}, "strict": True}}],
        "tool_choice": "auto", "temperature": 0.5, "seed": 7, "n": 1, "presence_penalty": 0.1,
        "max_completion_tokens": 99, "stream": True, "stream_options": {"include_usage": True},
        "logit_bias": {"1": 2}, "reasoning_effort": "high",
    }
    out = chat.encode_request(chat.decode_request(body))
    assert out["messages"] == [
        {"role": "system", "content": "S"}, {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": body["messages"][2]["tool_calls"]},
        {"role": "tool", "tool_call_id": "call_1", "content": "r"}]
    for key in ("tools", "tool_choice", "temperature", "seed", "n", "presence_penalty", "max_completion_tokens",
                "stream", "stream_options", "logit_bias", "reasoning_effort"):
        assert out[key] == body[key], key


def test_effort_becomes_claude_thinking_budget_and_drops_sampling():
    req = chat_request(reasoning_effort="high", temperature=0.3, max_tokens=1000)
    out = claude.encode_request(req)
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 24576}
    assert out["max_tokens"] > 24576  # Claude needs room beyond the budget
    assert "temperature" not in out


def test_structured_output_becomes_forced_tool_and_comes_back_as_json_text():
    req = chat_request(response_format={"type": "json_schema", "json_schema": {
        "name": "topic_classification", "strict": True, "schema": S.SCHEMA}})
    out = claude.encode_request(req)
    assert out["tools"] == [{"name": claude.STRUCTURED_TOOL, "description": out["tools"][0]["description"],
                             "input_schema": S.SCHEMA}]
    assert out["tool_choice"] == {"type": "tool", "name": claude.STRUCTURED_TOOL}
    upstream = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
                "content": [{"type": "tool_use", "id": "toolu_9", "name": claude.STRUCTURED_TOOL,
                             "input": {"topic": "AI", "confidence": 0.9}}],
                "stop_reason": "tool_use", "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 6}}
    resp = chat.encode_response(claude.decode_response(upstream), req)
    ChatCompletion.model_validate(resp)
    choice = resp["choices"][0]
    assert json.loads(choice["message"]["content"]) == {"topic": "AI", "confidence": 0.9}
    assert choice["finish_reason"] == "stop" and "tool_calls" not in choice["message"]


def test_structured_output_with_thinking_does_not_force_the_tool():
    req = chat_request(reasoning_effort="low", response_format={"type": "json_object"})
    out = claude.encode_request(req)
    assert out["tool_choice"] == {"type": "auto"}
    assert claude.STRUCTURED_TOOL in out["system"]


# ---------------------------------------------------------------- responses


def test_claude_response_to_chat_response():
    req = chat_request()
    resp = chat.encode_response(claude.decode_response(S.CLAUDE_RESPONSE), req)
    ChatCompletion.model_validate(resp)
    msg = resp["choices"][0]["message"]
    assert msg["content"] == "I'll check."
    assert [c["function"]["name"] for c in msg["tool_calls"]] == ["get_weather", "get_weather"]
    assert json.loads(msg["tool_calls"][1]["function"]["arguments"]) == {"location": "Rome", "unit": "celsius"}
    assert msg["tool_calls"][0]["id"] == "toolu_1"
    assert msg["reasoning_content"] == "User wants weather."
    assert msg["signature"] == "anthropic:" + S.SIG
    assert resp["choices"][0]["finish_reason"] == "tool_calls"
    usage = resp["usage"]
    assert usage["prompt_tokens"] == 50 + 200 + 30  # Claude excludes cache tokens, OpenAI includes them
    assert usage["prompt_tokens_details"]["cached_tokens"] == 200
    assert usage["completion_tokens"] == 70 and usage["total_tokens"] == 350


def test_chat_response_to_claude_response():
    resp = claude.encode_response(chat.decode_response(S.CHAT_RESPONSE), claude.decode_request(
        {"model": "claude-x", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}))
    msg = at.Message.model_validate(resp)
    assert msg.stop_reason == "tool_use"
    assert [b.type for b in msg.content] == ["text", "tool_use", "tool_use"]
    assert msg.content[2].input == {"location": "Rome"} and msg.content[2].id == "call_2"
    assert msg.usage.input_tokens == 120 - 64 and msg.usage.cache_read_input_tokens == 64
    assert msg.usage.output_tokens == 30


def test_thinking_signature_round_trips_through_a_chat_client():
    client_req = chat_request()
    first = chat.encode_response(claude.decode_response(S.CLAUDE_RESPONSE), client_req)
    history = {"model": "x", "messages": [{"role": "user", "content": "weather?"}, first["choices"][0]["message"],
                                          {"role": "tool", "tool_call_id": "toolu_1", "content": "18C"},
                                          {"role": "tool", "tool_call_id": "toolu_2", "content": "25C"}]}
    out = claude.encode_request(chat.decode_request(history))
    assistant = out["messages"][1]["content"]
    assert assistant[0] == {"type": "thinking", "thinking": "User wants weather.", "signature": S.SIG}
    assert [b["type"] for b in assistant] == ["thinking", "text", "tool_use", "tool_use"]


def test_foreign_or_unsigned_thinking_is_not_sent_to_anthropic():
    history = {"model": "x", "messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a", "reasoning_content": "unsigned"},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "b", "reasoning_content": "r", "signature": "openai:gAAAAbc"},
        {"role": "user", "content": "q3"}]}
    out = claude.encode_request(chat.decode_request(history))
    assert all(b["type"] == "text" for m in out["messages"] for b in m["content"])


@pytest.mark.parametrize("claude_stop,chat_finish", [
    ("end_turn", "stop"), ("max_tokens", "length"), ("stop_sequence", "stop"), ("refusal", "content_filter"),
    ("model_context_window_exceeded", "length"), ("pause_turn", "length")])
def test_claude_stop_reasons_map_to_chat(claude_stop, chat_finish):
    body = {**S.CLAUDE_RESPONSE, "content": [{"type": "text", "text": "x"}], "stop_reason": claude_stop}
    assert chat.encode_response(claude.decode_response(body), chat_request())["choices"][0]["finish_reason"] == chat_finish


@pytest.mark.parametrize("chat_finish,claude_stop", [
    ("stop", "end_turn"), ("length", "max_tokens"), ("tool_calls", "tool_use"), ("content_filter", "refusal")])
def test_chat_finish_reasons_map_to_claude(chat_finish, claude_stop):
    body = json.loads(json.dumps(S.CHAT_RESPONSE))
    body["choices"][0]["finish_reason"] = chat_finish
    req = claude.decode_request({"model": "c", "max_tokens": 5, "messages": []})
    assert claude.encode_response(chat.decode_response(body), req)["stop_reason"] == claude_stop


def test_stop_sequence_is_reported_to_claude_clients():
    body = {**S.CLAUDE_RESPONSE, "content": [{"type": "text", "text": "x"}], "stop_reason": "stop_sequence",
            "stop_sequence": "END"}
    out = claude.encode_response(claude.decode_response(body), claude.decode_request({"model": "c", "messages": []}))
    assert out["stop_reason"] == "stop_sequence" and out["stop_sequence"] == "END"


# ---------------------------------------------------------------- streams


def chunks_of(raw: bytes):
    evs = events(raw)
    assert evs[-1] == (None, "[DONE]")
    return [ChatCompletionChunk.model_validate(data) for _, data in evs[:-1]]


def test_claude_stream_to_chat_stream():
    req = chat_request(stream=True, stream_options={"include_usage": True})
    raw = pipe("claude", "chat", req, claude_sse(S.CLAUDE_STREAM), response_id="chatcmpl-x")
    chunks = chunks_of(raw)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Checking the weather."
    reasoning = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices)
    assert reasoning == "Let me think."
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert calls[0].id == "toolu_01A" and calls[0].function.name == "get_weather" and calls[0].index == 0
    assert all(tc.id is None for tc in calls[1:])
    args = "".join(tc.function.arguments or "" for tc in calls)
    assert json.loads(args) == {"location": "San Francisco, CA"}
    finishing = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finishing) == 1 and finishing[0].choices[0].finish_reason == "tool_calls"
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == [] and usage_chunk.usage.prompt_tokens == 160
    assert usage_chunk.usage.completion_tokens == 89
    assert usage_chunk.usage.prompt_tokens_details.cached_tokens == 100
    assert chunks.index(finishing[0]) == len(chunks) - 2


def test_chat_stream_without_include_usage_has_no_usage_chunk():
    raw = pipe("claude", "chat", chat_request(stream=True), claude_sse(S.CLAUDE_TRUNCATED_STREAM))
    chunks = chunks_of(raw)
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "length"  # truncation is never a normal stop


def test_chat_stream_to_claude_stream_grammar():
    req = claude.decode_request({"model": "claude-x", "max_tokens": 100, "stream": True,
                                 "messages": [{"role": "user", "content": "hi"}]})
    raw = pipe("chat", "claude", req, chat_sse(S.CHAT_STREAM), response_id="msg_abc")
    evs = events(raw)
    for name, data in evs:
        assert name == data["type"]
        if name != "ping":  # ping is not part of the SDK's event union
            CLAUDE_EVENT.validate_python(data)
    types = [n for n, _ in evs]
    assert types[0] == "message_start" and types[-2:] == ["message_delta", "message_stop"]
    assert evs[0][1]["message"]["id"] == "msg_abc"
    # every block is started, then deltas, then stopped, before the next starts
    open_index = None
    blocks = []
    for name, data in evs:
        if name == "content_block_start":
            assert open_index is None
            open_index = data["index"]
            blocks.append(data["content_block"]["type"])
            assert data["index"] == len(blocks) - 1
        elif name == "content_block_delta":
            assert data["index"] == open_index
        elif name == "content_block_stop":
            assert data["index"] == open_index
            open_index = None
    assert open_index is None
    assert blocks == ["thinking", "text", "tool_use", "tool_use"]
    text = "".join(d["delta"]["text"] for n, d in evs if n == "content_block_delta" and d["delta"]["type"] == "text_delta")
    assert text == "Let me check."
    args = {}
    for n, d in evs:
        if n == "content_block_delta" and d["delta"]["type"] == "input_json_delta":
            args[d["index"]] = args.get(d["index"], "") + d["delta"]["partial_json"]
    assert [json.loads(v) for v in args.values()] == [{"location": "Paris"}, {"location": "Rome"}]
    delta = evs[-2][1]
    assert delta["delta"]["stop_reason"] == "tool_use"
    assert delta["usage"]["output_tokens"] == 30
    assert delta["usage"]["input_tokens"] == 120 - 64 and delta["usage"]["cache_read_input_tokens"] == 64


def test_chat_truncated_stream_reports_max_tokens_to_claude():
    req = claude.decode_request({"model": "c", "max_tokens": 3, "messages": []})
    evs = events(pipe("chat", "claude", req, chat_sse(S.CHAT_TRUNCATED_STREAM)))
    assert evs[-2][1]["delta"]["stop_reason"] == "max_tokens"


def test_claude_stream_signature_survives_chat_and_back():
    req = chat_request(stream=True)
    raw = pipe("claude", "chat", req, claude_sse(S.CLAUDE_STREAM))
    chunks = [d for _, d in events(raw)[:-1]]
    sigs = [c["choices"][0]["delta"]["signature"] for c in chunks if c["choices"] and "signature" in c["choices"][0]["delta"]]
    assert sigs == ["anthropic:" + S.SIG]
    # a chat client's stream, re-decoded, yields the original signature with its origin
    from oneapi.relay.formats.assemble import assemble
    resp = assemble(decode_all("chat", raw))
    thinking = [p for p in resp.parts if isinstance(p, ir.Thinking)][0]
    assert (thinking.text, thinking.signature, thinking.origin) == ("Let me think.", S.SIG, "anthropic")


def test_stream_cut_before_finish_becomes_an_error_not_a_stop():
    cut = S.CLAUDE_STREAM[:9]  # no message_delta, no message_stop
    raw = pipe("claude", "chat", chat_request(stream=True), claude_sse(cut))
    evs = events(raw)
    assert "error" in evs[-2][1] and evs[-1] == (None, "[DONE]")
    assert not any(d.get("choices") and d["choices"][0]["finish_reason"] for _, d in evs[:-1])
    raw = pipe("chat", "claude", claude.decode_request({"model": "c", "messages": []}),
               chat_sse(S.CHAT_STREAM[:5], done=False))
    evs = events(raw)
    assert evs[-1][0] == "error"
    assert "message_stop" not in [n for n, _ in evs]


def test_claude_upstream_error_event_is_relayed():
    pairs = claude_sse([S.CLAUDE_STREAM[0], {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}])
    evs = events(pipe("claude", "chat", chat_request(stream=True), pairs))
    assert evs[-2][1]["error"]["message"] == "Overloaded"


def test_text_delta_is_encoded_immediately():
    enc = claude.StreamEncoder(claude.decode_request({"model": "c", "messages": []}), "msg_1", 0)
    enc.feed(ir.MessageStart(id="x", model="m"))
    enc.feed(ir.PartStart(0, "text"))
    out = enc.feed(ir.TextDelta(0, "Hel"))
    assert events(out) == [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                    "delta": {"type": "text_delta", "text": "Hel"}})]
    enc2 = chat.StreamEncoder(chat_request(), "c1", 0)
    assert b'"content":"Hel"' in enc2.feed(ir.TextDelta(0, "Hel"))


# ---------------------------------------------------------------- errors


def test_error_bodies():
    assert chat.encode_error(429, "slow down") == {"error": {"message": "slow down", "type": "rate_limit_error",
                                                             "param": None, "code": None}}
    assert claude.encode_error(529, "busy") == {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}
    err = claude.decode_error(400, json.dumps(claude.encode_error(400, "bad")).encode())
    assert (err.message, err.type, err.status) == ("bad", "invalid_request_error", 400)
    err = chat.decode_error(500, b"<html>oops</html>")
    assert err.message == "<html>oops</html>"
    assert events(claude.StreamEncoder(claude.decode_request({"model": "c", "messages": []}), "m", 0).error(500, "x")) == [
        ("error", {"type": "error", "error": {"type": "api_error", "message": "x"}})]


def test_parallel_calls_all_at_index_zero_are_kept_apart():
    chunks = [
        S.chat_chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                      "function": {"name": "a", "arguments": "{\"x\":1}"}}]}),
        S.chat_chunk({"tool_calls": [{"index": 0, "id": "call_2", "type": "function",
                                      "function": {"name": "b", "arguments": "{\"y\":"}}]}),
        S.chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": "2}"}}]}),
        S.chat_chunk({}, finish="tool_calls"),
    ]
    from oneapi.relay.formats.assemble import assemble
    resp = assemble(decode_all("chat", b"".join(
        f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"))
    assert [(c.id, c.name, json.loads(c.arguments)) for c in resp.tool_calls] == [
        ("call_1", "a", {"x": 1}), ("call_2", "b", {"y": 2})]


def test_forced_tool_wins_over_thinking_for_claude():
    req = chat_request(reasoning_effort="high", tools=[{"type": "function", "function": {"name": "f"}}],
                       tool_choice="required", temperature=0.1)
    out = claude.encode_request(req)
    assert out["tool_choice"] == {"type": "any"} and "thinking" not in out and out["temperature"] == 0.1


def test_think_tags_split_across_chunks_become_reasoning():
    pieces = ["<th", "ink>\nStep one.", " Step two.</thi", "nk>\n", "\nThe answer", " is 4."]
    chunks = [S.chat_chunk({"content": p}) for p in pieces] + [S.chat_chunk({}, finish="stop")]
    raw = b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"
    from oneapi.relay.formats.assemble import assemble
    from oneapi.relay.formats import sse
    dec = chat.StreamDecoder(think_tags=True)
    evs = [e for ev, data in sse.parse(raw) for e in dec.feed(ev, data)] + dec.close()
    resp = assemble(evs)
    assert [(type(p).__name__, p.text) for p in resp.parts] == [
        ("Thinking", "\nStep one. Step two."), ("Text", "The answer is 4.")]
    plain = assemble(decode_all("chat", raw))  # off by default: content stays as sent
    assert plain.text == "".join(pieces)
    body = {"choices": [{"message": {"role": "assistant", "content": "<think>hmm</think>\n\nYes."},
                         "finish_reason": "stop"}]}
    parts = chat.decode_response(body, think_tags=True).parts
    assert [(type(p).__name__, p.text) for p in parts] == [("Thinking", "hmm"), ("Text", "Yes.")]
    body["choices"][0]["message"]["content"] = "No <think> here"
    assert chat.decode_response(body, think_tags=True).text == "No <think> here"


def test_chat_provider_reasoning_goes_back_to_chat_providers_only():
    history = {"model": "deepseek-chat", "messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "reasoning_content": "I should call f.", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "ok"}]}
    req = chat.decode_request(history)
    assert chat.encode_request(req)["messages"][1]["reasoning_content"] == "I should call f."
    assert [b["type"] for b in claude.encode_request(req)["messages"][1]["content"]] == ["tool_use"]


def test_decoders_skip_noise_between_events():
    for fmt in ("chat", "claude", "responses", "gemini"):
        from oneapi.relay.formats import CODECS
        dec = CODECS[fmt].StreamDecoder()
        assert dec.feed(None, "keep-alive") == [] and dec.feed(None, "") == [] and dec.feed(None, "42") == []


def test_structured_output_next_to_client_tools():
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    fmt = {"type": "json_schema", "json_schema": {"name": "n", "schema": S.SCHEMA}}
    out = claude.encode_request(chat_request(tools=tools, response_format=fmt))
    assert [t["name"] for t in out["tools"]] == ["lookup", claude.STRUCTURED_TOOL]
    assert out["tool_choice"] == {"type": "any"}  # call a real tool or give the final answer
    forced = claude.encode_request(chat_request(tools=tools, response_format=fmt,
                                                tool_choice={"type": "function", "function": {"name": "lookup"}}))
    assert forced["tool_choice"] == {"type": "tool", "name": "lookup"}
    none = claude.encode_request(chat_request(tools=tools, response_format=fmt, tool_choice="none",
                                              parallel_tool_calls=False))
    assert none["tool_choice"] == {"type": "tool", "name": claude.STRUCTURED_TOOL, "disable_parallel_tool_use": True}
