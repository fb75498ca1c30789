"""The passthrough taps: Chat's light ``StreamTap`` reads every relayed chunk as the full ``StreamDecoder`` does
(text, usage, how the stream ended), and the processors bill from what they read."""
from __future__ import annotations

import orjson
import pytest
from flask import Flask, g

from oneapi.relay import stream_processors
from oneapi.relay.formats import chat, ir
from oneapi.relay.streaming import parse_event


def _chunk(delta=None, finish=None, index=0, usage=None, choices=True) -> str:
    body = {"id": "c1", "object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": index, "delta": delta or {}, "finish_reason": finish}] if choices else []}
    if usage is not None:
        body["usage"] = usage
    return orjson.dumps(body).decode()


USAGE = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17,
         "prompt_tokens_details": {"cached_tokens": 4}, "completion_tokens_details": {"reasoning_tokens": 2}}

STREAMS = {
    "plain": [_chunk({"role": "assistant", "content": ""}), _chunk({"content": "Hel"}), _chunk({"content": "lo"}),
              _chunk(finish="stop"), _chunk(choices=False, usage=USAGE), "[DONE]"],
    "reasoning, refusal, other choices": [
        _chunk({"reasoning_content": "think "}), _chunk({"reasoning": "more"}), _chunk({"content": "x"}, index=1),
        _chunk({"refusal": "no"}), _chunk({"content": "a", "thinking": "t"}, finish="stop"), "[DONE]"],
    "tool calls": [
        _chunk({"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": ""}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"a\":"}}]}),
        _chunk({"tool_calls": [{"index": 1, "id": "call_2", "function": {"name": "g", "arguments": "{}"}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}, finish="tool_calls"),
        _chunk(choices=False, usage=None), _chunk(choices=False, usage=USAGE), "[DONE]"],
    "done without finish_reason": [_chunk({"content": "a"}), "[DONE]"],
    "cut short": [_chunk({"content": "a"}), _chunk({"content": "b"})],
    "finished, no [DONE]": [_chunk({"content": "a"}, finish="length")],
    "error mid-stream": [_chunk({"content": "a"}), '{"error": {"message": "overloaded", "type": "server_error"}}'],
    "noise": ["", "  ", "not json", "[1, 2]", _chunk({"content": "a"}), "[DONE]"],
}


def _read(tap, frames):
    for data in frames:
        tap.feed(None, data)
    ended = tap.close()
    return tap.text, tap.usage, [(e.message, e.type, e.status) for e in ended if isinstance(e, ir.ErrorEvent)]


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_chat_tap_reads_a_stream_as_the_decoder_does(name):
    light = _read(chat.StreamTap(), STREAMS[name])
    full = _read(stream_processors._DecoderTap(chat.StreamDecoder()), STREAMS[name])
    assert light == full


def test_chat_tap_figures():
    text, usage, errors = _read(chat.StreamTap(), STREAMS["tool calls"])
    assert text == ['{"a":', "{}", "1}"] and errors == []
    assert (usage.input, usage.output, usage.cache_read, usage.reasoning) == (12, 5, 4, 2)
    assert _read(chat.StreamTap(), STREAMS["cut short"])[2] == [
        ("upstream stream ended before completion", "server_error", 502)]


def _frames(datas) -> list[bytes]:
    return [b"data: " + d.encode() + b"\n\n" for d in datas]


def test_passthrough_relays_bytes_and_bills_from_the_tap():
    p = stream_processors.Passthrough("chat", "chat", "m")
    frames = _frames(STREAMS["plain"])
    assert [p.on_event(f) for f in frames] == frames
    assert p.on_end() == b""
    assert p.delivered_text() == "Hello"
    assert (p.usage.prompt, p.usage.completion, p.usage.cached, p.usage.reasoning) == (12, 5, 4, 2)


def test_passthrough_of_a_cut_stream_ends_with_an_error_event():
    p = stream_processors.Passthrough("chat", "chat", "m")
    for f in _frames(STREAMS["cut short"]):
        p.on_event(f)
    with Flask(__name__).test_request_context():
        g.request_id = "r1"
        tail = p.on_end()
    assert b"upstream stream ended before completion (request id: r1)" in tail
    assert tail.endswith(b"data: [DONE]\n\n")
    assert p.usage is None and p.delivered_text() == "ab"


def test_legacy_tap_reads_completions_and_skips_what_it_cannot_read():
    p = stream_processors.Passthrough(None, "chat", "m")
    frames = _frames(['{"choices": [{"text": "Hi"}]}', "[1]", '{"choices": [{"text": " there"}]}',
                      '{"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}}', "[DONE]"])
    assert [p.on_event(f) for f in frames] == frames
    assert p.on_end() == b""
    assert p.delivered_text() == "Hi there" and (p.usage.prompt, p.usage.completion) == (3, 2)


@pytest.mark.parametrize("raw", [b"data: {\"a\": 1}\n\n", b"data:  x\n\n", b"data: \n\n", b"data: x\r\n\n",
                                 b"data: x\ndata: y\n\n", b"event: e\ndata: x\n\n", b": ping\n\n", b"data: x\n"])
def test_parse_event_fast_path_agrees_with_the_field_parser(raw):
    from oneapi.relay.formats.sse import event_fields
    event, data = event_fields(raw.decode().split("\n"))
    assert parse_event(raw) == (event, "\n".join(data))
