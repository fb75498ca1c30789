"""The SSE pump: event splitting, keep-alives, client disconnects and upstream failures."""
from __future__ import annotations

import queue
import time

import pytest

from oneapi.relay import streaming


class FakeRaw:
    def __init__(self) -> None:
        self.chunks: queue.Queue = queue.Queue()

    def read1(self, n, decode_content=True):
        item = self.chunks.get(timeout=5)
        if isinstance(item, Exception):
            raise item
        return item


class FakeResponse:
    def __init__(self) -> None:
        self.raw = FakeRaw()
        self.closed = False

    def close(self) -> None:
        self.closed = True
        self.raw.chunks.put(b"")  # a closed connection reads as EOF


def test_splitter_handles_split_events_and_crlf():
    s = streaming.SSESplitter()
    assert s.feed(b"data: a\r") == []
    assert s.feed(b"\n\r\ndata: b\n") == [b"data: a\n\n"]
    assert s.feed(b"\nevent: x\ndata: c\n\n") == [b"data: b\n\n", b"event: x\ndata: c\n\n"]
    assert s.feed(b"data: tail") == [] and s.rest() == b"data: tail\n\n"
    assert streaming.parse_event(b"event: x\ndata: 1\ndata: 2\n\n") == ("x", "1\n2")


@pytest.fixture(autouse=True)
def _restore_keepalive():
    saved = streaming.KEEPALIVE_SECONDS
    yield
    streaming.KEEPALIVE_SECONDS = saved


def _pump(resp, keepalive=5.0):
    streaming.KEEPALIVE_SECONDS = keepalive
    state = {}
    gen = streaming.pump(resp, lambda e: b"<" + e.strip() + b">", lambda: b"<end>",
                         lambda msg: f"<error {msg}>".encode(), lambda gone: state.setdefault("gone", gone))
    return gen, state


def test_events_pass_one_by_one_and_end():
    resp = FakeResponse()
    gen, state = _pump(resp)
    resp.raw.chunks.put(b"data: 1\n\ndata: ")
    assert next(gen) == b"<data: 1>"
    resp.raw.chunks.put(b"2\n\n")
    assert next(gen) == b"<data: 2>"
    resp.raw.chunks.put(b"")
    assert list(gen) == [b"<end>"]
    assert state == {"gone": False} and resp.closed


def test_keepalive_while_upstream_is_silent():
    resp = FakeResponse()
    gen, _ = _pump(resp, keepalive=0.05)
    started = time.monotonic()
    assert next(gen) == streaming.KEEPALIVE_FRAME
    assert time.monotonic() - started < 1
    resp.raw.chunks.put(b"data: x\n\n")
    out = next(gen)
    while out == streaming.KEEPALIVE_FRAME:
        out = next(gen)
    assert out == b"<data: x>"
    gen.close()


def test_client_disconnect_closes_upstream_and_reports():
    resp = FakeResponse()
    gen, state = _pump(resp)
    resp.raw.chunks.put(b"data: 1\n\n")
    next(gen)
    gen.close()  # what the server does when the client went away
    assert resp.closed and state == {"gone": True}


def test_upstream_failure_becomes_an_error_event():
    resp = FakeResponse()
    gen, state = _pump(resp)
    resp.raw.chunks.put(b"data: 1\n\n")
    resp.raw.chunks.put(ConnectionResetError("reset"))
    assert list(gen) == [b"<data: 1>", b"<error upstream connection lost: ConnectionResetError>"]
    assert state == {"gone": False}


def test_events_read_together_go_out_in_one_write():
    resp = FakeResponse()
    gen, state = _pump(resp)
    resp.raw.chunks.put(b"data: 1\n\ndata: 2\n\ndata: 3")
    assert next(gen) == b"<data: 1><data: 2>"
    resp.raw.chunks.put(b"\n\n")
    resp.raw.chunks.put(b"")
    assert list(gen) == [b"<data: 3>", b"<end>"]
    assert state == {"gone": False}
