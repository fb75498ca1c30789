"""The relay-facing wrappers: request/response conversion and the live stream bridge."""

import json

from oneapi.relay.formats import bridge, claude
from tests.unit.formats import samples as S
from tests.unit.formats.helpers import events, frames


def test_convert_request_sets_upstream_model_but_keeps_client_model():
    body = {"model": "claude-alias", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
    req, upstream = bridge.convert_request(body, "claude", "chat", model="gpt-4o-mini")
    assert req.model == "claude-alias" and upstream["model"] == "gpt-4o-mini"
    assert upstream["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}] or \
        upstream["messages"] == [{"role": "user", "content": "hi"}]


def test_convert_response_returns_ir_for_billing():
    req = claude.decode_request({"model": "c", "max_tokens": 5, "messages": []})
    resp, body = bridge.convert_response(S.CHAT_RESPONSE, "chat", "claude", req)
    assert resp.usage.input == 120 and body["type"] == "message" and body["model"] == "gpt-4o-mini"


def test_stream_bridge_streams_incrementally_and_tracks_usage():
    req = claude.decode_request({"model": "c", "max_tokens": 5, "messages": [], "stream": True})
    b = bridge.StreamBridge("chat", "claude", req, "msg_1", 1)
    outputs = [b.feed(ev, data) for ev, data in frames([(None, c) for c in S.CHAT_STREAM] + [(None, "[DONE]")])]
    assert b'"text":"Let me "' in outputs[3]  # the first text delta is written as soon as it arrives
    tail = b.close()
    assert [n for n, _ in events(tail)][-2:] == ["message_delta", "message_stop"]
    assert b.response.usage.cache_read == 64 and b.response.finish == "tool_calls"
    assert [json.loads(c.arguments) for c in b.response.tool_calls] == [{"location": "Paris"}, {"location": "Rome"}]
    assert b.error is None


def test_stream_bridge_fail_ends_the_client_stream():
    req = claude.decode_request({"model": "c", "max_tokens": 5, "messages": [], "stream": True})
    b = bridge.StreamBridge("chat", "chat", req)
    b.feed(None, json.dumps(S.CHAT_STREAM[3]))
    out = b.fail(504, "upstream timed out")
    assert events(out)[0][1]["error"]["message"] == "upstream timed out"
    assert b.close() == b"" and b.error.status == 504
