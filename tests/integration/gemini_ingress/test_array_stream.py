"""Gemini's non-SSE stream form (one JSON array) made from SSE frames, on its own."""
from __future__ import annotations

import json

from oneapi.relay.gemini_ingress import _json_array


def test_sse_frames_become_one_json_array():
    frames = [b'data: {"n": 1}\n\n', b": keep-alive\n\n", b'data: {"n": 2}\n\ndata: {"n": 3}\n\n', b"data: [DONE]\n\n"]
    closed = []

    class Source(list):
        def close(self):
            closed.append(True)

    text = b"".join(_json_array(Source(frames)))
    assert json.loads(text) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert closed == [True]  # the upstream generator is closed with the client's


def test_an_empty_stream_is_an_empty_array():
    assert json.loads(b"".join(_json_array(iter([])))) == []
