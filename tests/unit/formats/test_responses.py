"""OpenAI Responses <-> Chat and Claude: requests, responses, streams."""

import json

import anthropic.types as at
import pydantic
from openai.types.chat import ChatCompletion
from openai.types.responses import Response, ResponseStreamEvent

from oneapi.relay.formats import chat, claude, ir, responses
from oneapi.relay.formats.assemble import assemble
from tests.unit.formats import samples as S
from tests.unit.formats.helpers import chat_sse, claude_sse, decode_all, events, pipe

RESPONSES_EVENT = pydantic.TypeAdapter(ResponseStreamEvent)


def responses_request(**kw):
    body = {"model": "gpt-5-mini", "input": "hi"}
    body.update(kw)
    return responses.decode_request(body)


HARNESS_TOOLS = {
    "model": "gpt-5-mini", "temperature": 0.0, "top_p": 0.9, "max_output_tokens": 2048,
    "instructions": "You MUST call the get_weather function.",
    "input": [
        {"role": "user", "content": [{"type": "input_text", "text": "Weather in SF?"},
                                     {"type": "input_image", "image_url": f"data:image/png;base64,{S.PNG_B64}",
                                      "detail": "low"}]},
        {"type": "reasoning", "id": "rs_9", "summary": [{"type": "summary_text", "text": "plan"}],
         "encrypted_content": S.ENC},
        {"type": "function_call", "id": "fc_weather_history_1", "call_id": "call_weather_history_1",
         "name": "get_weather", "arguments": "{\"location\":\"San Francisco, CA\"}", "status": "completed"},
        {"type": "function_call_output", "call_id": "call_weather_history_1", "output": "{\"temperature_c\":15}"},
        {"role": "user", "content": "Now in fahrenheit"},
    ],
    "tools": [{"type": "function", "name": "get_weather", "description": "Get weather", "parameters": S.WEATHER,
               "strict": False}],
    "tool_choice": {"type": "tool", "name": "get_weather"},
    "user": "626868fa",
}


def test_responses_request_to_chat_and_claude():
    req = responses.decode_request(HARNESS_TOOLS)
    out = chat.encode_request(req)
    assert out["messages"][0] == {"role": "system", "content": "You MUST call the get_weather function."}
    assert out["messages"][1]["content"][1]["image_url"] == {"url": f"data:image/png;base64,{S.PNG_B64}",
                                                             "detail": "low"}
    assistant = out["messages"][2]
    assert assistant["tool_calls"][0]["id"] == "call_weather_history_1"
    assert out["messages"][3] == {"role": "tool", "tool_call_id": "call_weather_history_1",
                                  "content": "{\"temperature_c\":15}"}
    assert out["messages"][4] == {"role": "user", "content": "Now in fahrenheit"}
    assert out["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert out["max_completion_tokens"] == 2048 and out["user"] == "626868fa"

    cl = claude.encode_request(req)
    assert cl["tool_choice"] == {"type": "tool", "name": "get_weather"}
    assert [m["role"] for m in cl["messages"]] == ["user", "assistant", "user"]
    assert [b["type"] for b in cl["messages"][1]["content"]] == ["tool_use"]  # OpenAI reasoning not sent to Claude
    assert [b["type"] for b in cl["messages"][2]["content"]] == ["tool_result", "text"]


def test_responses_request_round_trip_keeps_reasoning_items_and_extras():
    body = dict(HARNESS_TOOLS, store=False, include=["reasoning.encrypted_content"],
                text={"format": {"type": "json_schema", "name": "t", "schema": S.SCHEMA, "strict": True},
                      "verbosity": "low"}, reasoning={"effort": "low", "summary": "auto"})
    out = responses.encode_request(responses.decode_request(body))
    assert out["instructions"] == body["instructions"]
    assert out["input"][1] == {"type": "reasoning", "id": "rs_9", "summary": [{"type": "summary_text", "text": "plan"}],
                               "encrypted_content": S.ENC}
    assert out["input"][2] == {"type": "function_call", "call_id": "call_weather_history_1", "name": "get_weather",
                               "arguments": "{\"location\":\"San Francisco, CA\"}"}
    assert out["input"][3] == HARNESS_TOOLS["input"][3]
    assert out["tools"] == body["tools"]
    assert out["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert out["text"] == body["text"] and out["reasoning"] == body["reasoning"]
    assert out["store"] is False and out["include"] == ["reasoning.encrypted_content"]


def test_chat_request_to_responses():
    req = chat.decode_request({
        "model": "gpt-5", "reasoning_effort": "minimal", "max_tokens": 50, "stream": True,
        "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "q"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": S.SCHEMA, "strict": True}},
        "stop": ["x"], "seed": 1})
    out = responses.encode_request(req)
    assert out["instructions"] == "S"
    assert out["input"] == [{"role": "user", "content": [{"type": "input_text", "text": "q"}]}]
    assert out["tools"] == [{"type": "function", "name": "f", "parameters": {"type": "object"}, "strict": False}]
    assert out["tool_choice"] == {"type": "function", "name": "f"}
    assert out["text"] == {"format": {"type": "json_schema", "name": "n", "schema": S.SCHEMA, "strict": True}}
    assert out["reasoning"] == {"effort": "minimal"}
    assert out["include"] == ["reasoning.encrypted_content"] and out["store"] is False
    assert out["max_output_tokens"] == 50 and out["stream"] is True
    assert "stop" not in out and "seed" not in out


def test_responses_response_to_chat_and_claude():
    resp = responses.decode_response(S.RESPONSES_RESPONSE)
    assert resp.finish == "tool_calls"
    c = chat.encode_response(resp, chat.decode_request({"model": "m", "messages": []}))
    ChatCompletion.model_validate(c)
    msg = c["choices"][0]["message"]
    assert msg["content"] == "Hi there!" and msg["reasoning_content"] == "Thinking it over."
    assert msg["signature"] == "openai:" + S.ENC
    assert msg["tool_calls"][0]["id"] == "call_1"
    assert c["usage"]["prompt_tokens"] == 300 and c["usage"]["prompt_tokens_details"]["cached_tokens"] == 256
    assert c["usage"]["completion_tokens_details"]["reasoning_tokens"] == 40
    m = at.Message.model_validate(claude.encode_response(resp, claude.decode_request({"model": "c", "messages": []})))
    assert [b.type for b in m.content] == ["thinking", "text", "tool_use"]
    assert m.content[0].signature == "openai:" + S.ENC
    assert m.usage.input_tokens == 44 and m.usage.cache_read_input_tokens == 256


def test_incomplete_response_is_truncation_everywhere():
    resp = responses.decode_response(S.RESPONSES_INCOMPLETE)
    assert resp.finish == "length"
    assert chat.encode_response(resp, chat.decode_request({"model": "m", "messages": []}))["choices"][0]["finish_reason"] == "length"
    assert claude.encode_response(resp, claude.decode_request({"model": "m", "messages": []}))["stop_reason"] == "max_tokens"
    back = responses.encode_response(claude.decode_response({**S.CLAUDE_RESPONSE, "stop_reason": "max_tokens"}),
                                     responses_request())
    r = Response.model_validate(back)
    assert r.status == "incomplete" and r.incomplete_details.reason == "max_output_tokens"


def test_claude_response_to_responses_response():
    req = responses_request(tools=[{"type": "function", "name": "get_weather", "parameters": S.WEATHER}])
    body = responses.encode_response(claude.decode_response(S.CLAUDE_RESPONSE), req)
    r = Response.model_validate(body)
    assert r.status == "completed"
    assert [o.type for o in r.output] == ["reasoning", "message", "function_call", "function_call"]
    assert r.output[0].encrypted_content == "anthropic:" + S.SIG
    assert r.output[0].summary[0].text == "User wants weather."
    assert r.output_text == "I'll check."
    assert json.loads(r.output[3].arguments) == {"location": "Rome", "unit": "celsius"}
    assert r.output[2].call_id == "toolu_1"
    assert r.usage.input_tokens == 280 and r.usage.input_tokens_details.cached_tokens == 200
    assert r.tools[0].name == "get_weather"


def test_claude_signature_round_trips_through_a_responses_client():
    first = responses.encode_response(claude.decode_response(S.CLAUDE_RESPONSE), responses_request())
    follow = {"model": "x", "input": [{"role": "user", "content": "weather?"}, *first["output"],
                                      {"type": "function_call_output", "call_id": "toolu_1", "output": "18C"},
                                      {"type": "function_call_output", "call_id": "toolu_2", "output": "25C"}]}
    out = claude.encode_request(responses.decode_request(follow))
    assistant = out["messages"][1]["content"]
    assert assistant[0] == {"type": "thinking", "thinking": "User wants weather.", "signature": S.SIG}
    assert [b["type"] for b in assistant] == ["thinking", "text", "tool_use", "tool_use"]
    assert [b["tool_use_id"] for b in out["messages"][2]["content"]] == ["toolu_1", "toolu_2"]


def test_redacted_thinking_round_trips_through_a_responses_client():
    body = {**S.CLAUDE_RESPONSE, "content": [{"type": "redacted_thinking", "data": "SECRET"},
                                             {"type": "text", "text": "ok"}], "stop_reason": "end_turn"}
    first = responses.encode_response(claude.decode_response(body), responses_request())
    follow = {"model": "x", "input": [{"role": "user", "content": "q"}, *first["output"],
                                      {"role": "user", "content": "more"}]}
    out = claude.encode_request(responses.decode_request(follow))
    assert out["messages"][1]["content"][0] == {"type": "redacted_thinking", "data": "SECRET"}


# ---------------------------------------------------------------- streams


def check_responses_grammar(raw: bytes):
    evs = events(raw)
    for i, (name, data) in enumerate(evs):
        assert name == data["type"]
        assert data["sequence_number"] == i
        RESPONSES_EVENT.validate_python(data)
    types = [n for n, _ in evs]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] in ("response.completed", "response.incomplete", "response.failed")
    added = {d["item"]["id"]: d["output_index"] for n, d in evs if n == "response.output_item.added"}
    done = {d["item"]["id"]: d["output_index"] for n, d in evs if n == "response.output_item.done"}
    assert added == done and sorted(added.values()) == list(range(len(added)))
    for n, d in evs:  # every item-scoped event points at an added item with the same output_index
        if "item_id" in d:
            assert added[d["item_id"]] == d["output_index"]
    return evs


def test_claude_stream_to_responses_stream():
    raw = pipe("claude", "responses", responses_request(stream=True), claude_sse(S.CLAUDE_STREAM),
               response_id="resp_x")
    evs = check_responses_grammar(raw)
    types = [n for n, _ in evs]
    assert types[-1] == "response.completed"
    assert "response.reasoning_summary_text.delta" in types
    text = "".join(d["delta"] for n, d in evs if n == "response.output_text.delta")
    assert text == "Checking the weather."
    args = "".join(d["delta"] for n, d in evs if n == "response.function_call_arguments.delta")
    assert json.loads(args) == {"location": "San Francisco, CA"}
    final = Response.model_validate(evs[-1][1]["response"])
    assert final.id == "resp_x"
    assert [o.type for o in final.output] == ["reasoning", "message", "function_call"]
    assert final.output[0].encrypted_content == "anthropic:" + S.SIG
    assert final.output[0].summary[0].text == "Let me think."
    assert final.usage.input_tokens == 160 and final.usage.output_tokens == 89
    # message item done comes before the function call item is added
    assert types.index("response.output_text.done") < types.index("response.function_call_arguments.delta")


def test_chat_truncated_stream_ends_incomplete():
    raw = pipe("chat", "responses", responses_request(stream=True), chat_sse(S.CHAT_TRUNCATED_STREAM))
    evs = check_responses_grammar(raw)
    final = evs[-1][1]
    assert final["type"] == "response.incomplete"
    assert final["response"]["status"] == "incomplete"
    assert final["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["response"]["output"][0]["content"][0]["text"] == "Once upon a"


def test_chat_parallel_tool_stream_to_responses():
    raw = pipe("chat", "responses", responses_request(stream=True), chat_sse(S.CHAT_STREAM))
    evs = check_responses_grammar(raw)
    calls = [d["item"] for n, d in evs if n == "response.output_item.done" and d["item"]["type"] == "function_call"]
    assert [(c["call_id"], json.loads(c["arguments"])) for c in calls] == [
        ("call_A", {"location": "Paris"}), ("call_B", {"location": "Rome"})]
    assert evs[-1][1]["response"]["usage"]["input_tokens_details"]["cached_tokens"] == 64


def test_responses_stream_to_chat_and_claude():
    req = chat.decode_request({"model": "m", "messages": [], "stream": True, "stream_options": {"include_usage": True}})
    raw = pipe("responses", "chat", req, [(e["type"], e) for e in S.RESPONSES_STREAM])
    resp = assemble(decode_all("chat", raw))
    assert resp.text == "Hi there!"
    assert resp.tool_calls[0].arguments == "{\"location\":\"Oslo\"}"
    assert resp.finish == "tool_calls" and resp.usage.cache_read == 256
    thinking = resp.parts[0]
    assert (thinking.text, thinking.signature, thinking.origin) == ("Thinking it over.", S.ENC, "openai")

    creq = claude.decode_request({"model": "c", "messages": [], "stream": True})
    raw = pipe("responses", "claude", creq, [(e["type"], e) for e in S.RESPONSES_STREAM])
    evs = events(raw)
    sig = [d["delta"]["signature"] for n, d in evs if n == "content_block_delta" and d["delta"]["type"] == "signature_delta"]
    assert sig == ["openai:" + S.ENC]
    assert evs[-2][1]["delta"]["stop_reason"] == "tool_use"
    assert [n for n, _ in evs][-1] == "message_stop"


def test_responses_stream_round_trip_reassembles_exactly():
    raw = pipe("responses", "responses", responses_request(stream=True), [(e["type"], e) for e in S.RESPONSES_STREAM])
    check_responses_grammar(raw)
    final = events(raw)[-1][1]["response"]
    assert final["output"][0]["encrypted_content"] == S.ENC
    assert final["output"][1]["content"][0]["text"] == "Hi there!"
    assert final["output"][2]["arguments"] == "{\"location\":\"Oslo\"}"


def test_responses_stream_error_is_well_formed():
    enc = responses.StreamEncoder(responses_request(), "resp_1", 0)
    raw = enc.feed(ir.TextDelta(0, "x")) + enc.error(502, "upstream died")
    evs = check_responses_grammar(raw)
    assert [n for n, _ in evs][-2:] == ["error", "response.failed"]
    assert evs[-1][1]["response"]["error"]["message"] == "upstream died"
    assert enc.finish() == b""


def test_responses_upstream_cut_is_an_error():
    cut = [(e["type"], e) for e in S.RESPONSES_STREAM[:12]]
    evs = events(pipe("responses", "chat", chat.decode_request({"model": "m", "messages": []}), cut))
    assert "error" in evs[-2][1]


def test_responses_stream_with_only_done_events_keeps_the_text():
    stream = [e for e in S.RESPONSES_STREAM if e["type"] != "response.output_text.delta"]
    raw = pipe("responses", "chat", chat.decode_request({"model": "m", "messages": []}),
               [(e["type"], e) for e in stream])
    assert assemble(decode_all("chat", raw)).text == "Hi there!"


def test_chat_refusal_stream_to_responses_and_back():
    stream = [S.chat_chunk({"role": "assistant", "content": "", "refusal": None}),
              S.chat_chunk({"refusal": "I can't "}), S.chat_chunk({"refusal": "help with that."}),
              S.chat_chunk({}, finish="stop")]
    raw = pipe("chat", "responses", responses_request(stream=True), chat_sse(stream))
    evs = check_responses_grammar(raw)
    assert "".join(d["delta"] for n, d in evs if n == "response.refusal.delta") == "I can't help with that."
    final = Response.model_validate(evs[-1][1]["response"])
    assert final.output[0].content[0].refusal == "I can't help with that."
    resp = assemble(decode_all("responses", raw))
    assert isinstance(resp.parts[0], ir.Refusal) and resp.parts[0].text == "I can't help with that."
    c = chat.encode_response(resp, chat.decode_request({"model": "m", "messages": []}))
    assert c["choices"][0]["message"]["refusal"] == "I can't help with that."
