"""The matrix tool's own judging: stream grammars, strict tool and structured-output checks, the schema
validator, variant selection and the report layout. In-process, no gateway."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from oneapi.tools import matrix_bodies as bodies
from oneapi.tools.matrix import Result, report
from oneapi.tools.matrix_answers import Broken, chat_stream, claude_stream, iter_sse, response_body, response_stream
from oneapi.tools.matrix_judge import VARIANTS, judge, select
from oneapi.tools.schema_check import errors, validate

TOOLS = next(v for v in VARIANTS if v.key == "chat_tools_stream_true")
CLAUDE_STRUCTURED = next(v for v in VARIANTS if v.key == "claude_structured_stream_false")
RESPONSE_STRUCTURED = next(v for v in VARIANTS if v.key == "response_structured_stream_false")


def sse(*events) -> list:
    text = "".join((f"event: {name}\n" if name else "") + f"data: {json.dumps(d) if not isinstance(d, str) else d}"
                   f"\n\n" for name, d in events)
    return list(iter_sse(text.split("\n")))


def chunk(delta=None, finish=None):
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta or {},
                                                             "finish_reason": finish}]}


def test_chat_stream_tool_call_is_assembled_from_deltas():
    events = sse((None, chunk({"role": "assistant"})),
                 (None, chunk({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "get_weather",
                                                                                   "arguments": ""}}]})),
                 (None, chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"location":'}}]})),
                 (None, chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]})),
                 (None, chunk(finish="tool_calls")), (None, "[DONE]"))
    answer = chat_stream(events)
    assert [(c.name, c.arguments) for c in answer.tool_calls] == [("get_weather", '{"location":"Paris"}')]
    assert judge(TOOLS, TOOLS.attempts("m")[0], answer).outcome == "pass"


@pytest.mark.parametrize("events, reason", [
    ([(None, chunk({"content": "hi"}))], r"without \[DONE\]"),
    ([(None, chunk({"content": "hi"})), (None, "[DONE]")], "no finish_reason"),
    ([(None, {"error": {"message": "boom"}}), (None, "[DONE]")], "stream error"),
])
def test_chat_stream_grammar_failures(events, reason):
    with pytest.raises(Broken, match=reason):
        chat_stream(sse(*events))


def test_tool_call_must_name_the_forced_tool_with_valid_arguments():
    body = TOOLS.attempts("m")[0]
    base = [(None, chunk({"tool_calls": [{"index": 0, "id": "c", "function": {"name": NAME, "arguments": ARGS}}]}))
            for NAME, ARGS in [("get_weather", '{"unit":"kelvin","location":"x"}')]]
    answer = chat_stream(sse(*base, (None, chunk(finish="tool_calls")), (None, "[DONE]")))
    verdict = judge(TOOLS, body, answer)
    assert verdict.outcome == "fail" and "kelvin" in verdict.reason
    answer.tool_calls[0].name = "get_time"
    assert "unknown tool" in judge(TOOLS, body, answer).reason
    answer.tool_calls[0].name, answer.tool_calls[0].arguments = "get_weather", "{location: x}"
    assert "not JSON" in judge(TOOLS, body, answer).reason
    answer.tool_calls = []
    answer.text = "It is sunny."
    assert judge(TOOLS, body, answer).outcome == "soft"


def _response_events(text_deltas, final_text, final_type="response.completed"):
    output = [{"type": "message", "content": [{"type": "output_text", "text": final_text}]}]
    events = [("response.created", {"type": "response.created", "sequence_number": 0, "response": {}})]
    for i, delta in enumerate(text_deltas, 1):
        events.append(("response.output_text.delta", {"type": "response.output_text.delta", "sequence_number": i,
                                                      "delta": delta}))
    events.append((final_type, {"type": final_type, "sequence_number": len(text_deltas) + 1,
                                "response": {"status": "completed" if final_type == "response.completed"
                                             else "incomplete", "output": output,
                                             "usage": {"input_tokens": 7, "output_tokens": 3}}}))
    return sse(*events)


def test_responses_stream_structured_output_validates():
    text = '{"topic": "AI", "confidence": 0.9}'
    answer = response_stream(_response_events([text[:10], text[10:]], text))
    assert judge(RESPONSE_STRUCTURED, RESPONSE_STRUCTURED.attempts("m")[0], answer).outcome == "pass"
    bad = response_stream(_response_events(['{"topic": "AI"}'], '{"topic": "AI"}'))
    assert "confidence" in judge(RESPONSE_STRUCTURED, {}, bad).reason
    cut = response_stream(_response_events(['{"topic"'], '{"topic"', "response.incomplete"))
    assert judge(RESPONSE_STRUCTURED, {}, cut).reason.startswith("truncated")
    answer.usage = None
    assert judge(RESPONSE_STRUCTURED, {}, answer).reason == "no usage reported"


def test_responses_stream_grammar_failures():
    with pytest.raises(Broken, match="differ"):
        response_stream(_response_events(["a"], "ab"))
    with pytest.raises(Broken, match="before response.completed"):
        response_stream(_response_events(["a"], "a")[:-1])
    with pytest.raises(Broken, match="not response.created"):
        response_stream(_response_events(["a"], "a")[1:])
    with pytest.raises(Broken, match="status failed"):
        response_body({"object": "response", "status": "failed", "error": {"message": "x"}})


def _claude_events(stop_reason="end_turn", stop_block=True, message_stop=True):
    events = [("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 5,
                                                                                "cache_read_input_tokens": 2,
                                                                                "output_tokens": 1}}}),
              ("content_block_start", {"type": "content_block_start", "index": 0,
                                       "content_block": {"type": "tool_use", "name": "topic_classifier"}}),
              ("ping", {"type": "ping"}),
              ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "input_json_delta", "partial_json": '{"topic": "AI", '}}),
              ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "input_json_delta", "partial_json": '"confidence": 2}'}})]
    if stop_block:
        events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
    events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop_reason},
                                     "usage": {"output_tokens": 9}}))
    if message_stop:
        events.append(("message_stop", {"type": "message_stop"}))
    return sse(*events)


def test_claude_stream_tool_use_and_grammar():
    answer = claude_stream(_claude_events("tool_use"))
    assert json.loads(answer.tool_calls[0].arguments) == {"topic": "AI", "confidence": 2}
    assert answer.usage == (7, 9)  # input counts cache reads; output is the last cumulative count
    body = CLAUDE_STRUCTURED.attempts("m")[0]
    assert judge(CLAUDE_STRUCTURED, body, answer).outcome == "pass"  # the schema sets no bounds on confidence
    with pytest.raises(Broken, match="never stopped"):
        claude_stream(_claude_events(stop_block=False))
    with pytest.raises(Broken, match="without message_stop"):
        claude_stream(_claude_events(message_stop=False))
    with pytest.raises(Broken, match="no stop_reason"):
        claude_stream(_claude_events(stop_reason=None))


def test_schema_validator_subset():
    assert validate({"topic": "x", "confidence": 0.5}, bodies.SCHEMA) is None
    assert "unexpected property" in validate({"topic": "x", "confidence": 1, "extra": 1}, bodies.SCHEMA)
    assert "expected number" in validate({"topic": "x", "confidence": "high"}, bodies.SCHEMA)
    assert validate({"location": "x", "unit": "fahrenheit"}, bodies.WEATHER) is None
    assert errors(True, {"type": "integer"}) and not errors(3.0, {"type": "integer"})
    assert errors([1, "a"], {"type": "array", "items": {"type": "number"}}) == ["$[1]: expected number, got str"]


def test_variant_selection():
    assert len(VARIANTS) == 26 and len({v.key for v in VARIANTS}) == 26
    assert [v.key for v in select(["claude_tools"])] == ["claude_tools_stream_false", "claude_tools_stream_true"]
    assert len(select(["responses"])) == 10 and len(select(["Chat (stream=true)"])) == 1
    with pytest.raises(ValueError):
        select(["chat_images"])


def test_request_bodies_follow_the_reference():
    chat_tools = select(["chat_tools_stream_false"])[0].attempts("m")
    assert len(chat_tools) == 3 and chat_tools[0]["temperature"] == 0.0
    assert chat_tools[0]["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert chat_tools[2]["tool_choice"] == "auto"
    response = select(["response_stream_true"])[0].attempts("m")[0]
    assert response["stream"] is True and len(response["tools"]) == 5 and response["max_output_tokens"] == 4096
    assert 3000 < len(response["input"][0]["content"]) < 4000
    assert sum(1 for t in response["tools"] if t.get("strict") is False) == 4
    vision = select(["response_vision_stream_false"])[0].attempts("m")[0]
    assert vision["input"][0]["content"][1]["image_url"].startswith("data:image/jpeg;base64,/9j/")


def test_report_layout():
    variants = select(["chat"])
    results = [Result("m1", "chat_stream_false", "Chat (stream=false)", "PASS", seconds=1.234),
               Result("m1", "chat_stream_true", "Chat (stream=true)", "FAIL",
                      reason="status 400: something went badly wrong upstream here"),
               Result("m2", "chat_stream_false", "Chat (stream=false)", "SKIP", reason="no channel"),
               Result("m2", "chat_stream_true", "Chat (stream=true)", "PASS*", reason="tool was not invoked",
                      seconds=0.5)]
    text = report(results, ["m1", "m2"], variants, datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    lines = text.splitlines()
    assert lines[0] == "=== One-API Compatibility Matrix 2026-01-02T03:04:05Z ==="
    assert lines[2].split() == ["Variant", "m1", "m2"]
    assert "PASS 1.23s" in lines[3] and lines[3].rstrip().endswith("SKIP")
    assert "FAIL status 400: something went badl…" in lines[4] and "PASS* 0.50s" in lines[4]
    assert "        | 4        | 2      | 1      | 1" in lines
    assert "- m1 - Chat (stream=true) -> status 400: something went badly wrong upstream here" in lines
    assert "- m2 - Chat (stream=true) -> tool was not invoked" in lines
