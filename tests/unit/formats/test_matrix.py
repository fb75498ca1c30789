"""Every pair of formats: a conversation, a response and a stream carried from one
format to another must keep their meaning."""

import itertools
import json

import pytest

from oneapi.relay.formats import CODECS, FORMATS, detect_format, ir
from oneapi.relay.formats.assemble import assemble
from tests.unit.formats import samples as S
from tests.unit.formats.helpers import decode_all

PAIRS = list(itertools.product(FORMATS, FORMATS))


def canonical_request() -> ir.Request:
    return ir.Request(
        model="m", system=[ir.Text("You are a weather bot.")],
        messages=[
            ir.Message("user", [ir.Text("Weather in Paris and Rome?"), ir.Image(data=S.PNG_B64, media_type="image/png")]),
            ir.Message("assistant", [ir.Text("Let me check."),
                                     ir.ToolCall("call_p", "get_weather", '{"location": "Paris"}'),
                                     ir.ToolCall("call_r", "get_weather", '{"location": "Rome", "unit": "celsius"}')]),
            ir.Message("user", [ir.ToolResult("call_p", [ir.Text("18C")], name="get_weather"),
                                ir.ToolResult("call_r", [ir.Text("25C")], name="get_weather")]),
            ir.Message("assistant", [ir.Text("Paris 18C, Rome 25C.")]),
            ir.Message("user", [ir.Text("Thanks!")]),
        ],
        tools=[ir.Tool("get_weather", "Get the weather", S.WEATHER)],
        tool_choice=ir.ToolChoice("tool", "get_weather"),
        temperature=0.5, max_tokens=300,
    )


def summary(req: ir.Request):
    """The meaning of a conversation, independent of ids and format quirks."""
    calls = {}
    turns = []
    for msg in req.messages:
        items = []
        for p in msg.parts:
            if isinstance(p, ir.Text) and p.text:
                items.append(("text", p.text))
            elif isinstance(p, ir.Image):
                items.append(("image", p.media_type, p.data))
            elif isinstance(p, ir.ToolCall):
                calls[p.id] = len(calls)
                items.append(("call", p.name, json.loads(p.arguments)))
            elif isinstance(p, ir.ToolResult):
                items.append(("result", calls.get(p.call_id), p.text))
        if turns and turns[-1][0] == msg.role:
            turns[-1][1].extend(items)
        else:
            turns.append((msg.role, items))
    tools = [(t.name, sorted((t.parameters or {}).get("properties", {}))) for t in req.tools]
    choice = (req.tool_choice.mode, req.tool_choice.name) if req.tool_choice else None
    return req.system_text, turns, tools, choice, req.temperature, req.max_tokens


@pytest.mark.parametrize("source,target", PAIRS)
def test_request_meaning_survives_every_pair(source, target):
    canon = canonical_request()
    first = CODECS[source].decode_request(CODECS[source].encode_request(canon))
    second = CODECS[target].decode_request(CODECS[target].encode_request(first))
    assert summary(second) == summary(canon)


@pytest.mark.parametrize("source,target", PAIRS)
@pytest.mark.parametrize("effort", ["low", "medium", "high"])
def test_reasoning_effort_survives_every_pair(source, target, effort):
    canon = canonical_request()
    canon.reasoning = ir.Reasoning(effort=effort)
    canon.tool_choice = ir.ToolChoice("auto")  # Claude cannot think while a tool is forced
    first = CODECS[source].decode_request(CODECS[source].encode_request(canon))
    second = CODECS[target].decode_request(CODECS[target].encode_request(first))
    assert ir.effort_for(second.reasoning) == effort
    assert summary(second)[:4] == summary(canon)[:4]


def canonical_response(finish="tool_calls") -> ir.Response:
    return ir.Response(
        id="x", model="m", finish=finish,
        parts=[ir.Thinking("Weighing it.", signature=S.SIG, origin="anthropic"), ir.Text("Checking both."),
               ir.ToolCall("call_1", "get_weather", '{"location": "Paris"}'),
               ir.ToolCall("call_2", "get_weather", '{"location": "Rome"}')],
        usage=ir.Usage(input=1000, output=200, cache_read=600, reasoning=50))


def response_summary(resp: ir.Response):
    parts = []
    for p in resp.parts:
        if isinstance(p, ir.Thinking):
            parts.append(("thinking", p.text, p.signature, p.origin))
        elif isinstance(p, ir.Text):
            parts.append(("text", p.text))
        elif isinstance(p, ir.ToolCall):
            parts.append(("call", p.name, json.loads(p.arguments)))
    u = resp.usage
    return parts, resp.finish, (u.input, u.output, u.cache_read)


@pytest.mark.parametrize("source,target", PAIRS)
@pytest.mark.parametrize("finish", ["tool_calls", "length"])
def test_response_meaning_survives_every_pair(source, target, finish):
    req = canonical_request()
    canon = canonical_response(finish)
    first = CODECS[source].decode_response(CODECS[source].encode_response(canon, req))
    second = CODECS[target].decode_response(CODECS[target].encode_response(first, req))
    assert response_summary(second) == response_summary(canon)


def canonical_events(finish="tool_calls"):
    return [
        ir.MessageStart(id="up_1", model="m", usage=ir.Usage(input=1000, cache_read=600)),
        ir.PartStart(0, "thinking", origin="anthropic"), ir.ThinkingDelta(0, "Weighing "), ir.ThinkingDelta(0, "it."),
        ir.SignatureDelta(0, S.SIG), ir.PartStop(0),
        ir.PartStart(1, "text"), ir.TextDelta(1, "Checking "), ir.TextDelta(1, "both."), ir.PartStop(1),
        ir.PartStart(2, "tool_call", tool_id="call_1", tool_name="get_weather"),
        ir.ToolArgsDelta(2, '{"location": '), ir.ToolArgsDelta(2, '"Paris"}'), ir.PartStop(2),
        ir.PartStart(3, "tool_call", tool_id="call_2", tool_name="get_weather"),
        ir.ToolArgsDelta(3, '{"location": "Rome"}'), ir.PartStop(3),
        ir.Finish(finish), ir.UsageEvent(ir.Usage(input=1000, output=200, cache_read=600, reasoning=50)),
    ]


def encode_stream(fmt, req, evs) -> bytes:
    enc = CODECS[fmt].StreamEncoder(req, "up_1", 1700000000)
    return b"".join(enc.feed(e) for e in evs) + enc.finish()


@pytest.mark.parametrize("source,target", PAIRS)
@pytest.mark.parametrize("finish", ["tool_calls", "length"])
def test_stream_meaning_survives_every_pair(source, target, finish):
    req = canonical_request()
    req.include_usage = True
    provider_sse = encode_stream(source, req, canonical_events(finish))
    client_sse = encode_stream(target, req, decode_all(source, provider_sse))
    resp = assemble(decode_all(target, client_sse))
    assert response_summary(resp) == response_summary(canonical_response(finish))


@pytest.mark.parametrize("fmt", FORMATS)
def test_detect_format_recognises_each_codecs_own_requests(fmt):
    body = CODECS[fmt].encode_request(canonical_request())
    assert detect_format(body) == fmt


@pytest.mark.parametrize("body,expected", [
    ({"model": "m", "messages": [{"role": "user", "content": "hi"}]}, "chat"),
    ({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}, "chat"),
    ({"model": "m", "max_tokens": 10, "system": "s", "messages": [{"role": "user", "content": "hi"}]}, "claude"),
    ({"model": "m", "max_tokens": 10, "top_k": 40, "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}, "claude"),
    ({"model": "m", "messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t"}]}]}, "claude"),
    ({"model": "m", "input": "hi"}, "responses"),
    ({"model": "m", "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}]}, "responses"),
    ({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}, "gemini"),
    ({"model": "m", "prompt": "hi"}, None),
    ([1, 2], None),
])
def test_detect_format_examples(body, expected):
    assert detect_format(body) == expected


@pytest.mark.parametrize("target", FORMATS)
def test_pdf_documents_travel_as_documents(target):
    body = {"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": [
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"}},
        {"type": "text", "text": "Summarise"}]}]}
    req = CODECS["claude"].decode_request(body)
    back = CODECS[target].decode_request(CODECS[target].encode_request(req))
    doc = back.messages[0].parts[0]
    assert (doc.media_type, doc.data) == ("application/pdf", "JVBERi0x")


def test_claude_max_effort_maps_to_openai_xhigh():
    req = CODECS["claude"].decode_request({"model": "c", "max_tokens": 10, "messages": [],
                                           "output_config": {"effort": "max"}})
    assert CODECS["responses"].encode_request(req)["reasoning"]["effort"] == "xhigh"
