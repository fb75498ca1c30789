"""The SSE pump: event splitting, keep-alives, client disconnects and upstream failures."""
from __future__ import annotations

import queue
import time

import gevent.queue
import pytest

from oneapi.relay import streaming


class FakeRaw:
    queue_class = queue.Queue

    def __init__(self) -> None:
        self.chunks = self.queue_class()

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


@pytest.fixture(autouse=True, params=["threads", "gevent"])
def _runtime(request, monkeypatch):
    """Every pump test runs with a reader thread and, as in a gevent worker, with a reader greenlet."""
    monkeypatch.setattr(streaming, "KEEPALIVE_SECONDS", streaming.KEEPALIVE_SECONDS)
    if request.param == "gevent":
        monkeypatch.setattr(streaming, "_inbox", streaming._GreenInbox)
        monkeypatch.setattr(FakeRaw, "queue_class", gevent.queue.Queue)


def _pump(resp, keepalive=5.0, idle_limit=0.0):
    streaming.KEEPALIVE_SECONDS = keepalive
    state = {}
    gen = streaming.pump(resp, lambda e: b"<" + e.strip() + b">", lambda: b"<end>",
                         lambda msg: f"<error {msg}>".encode(), lambda gone: state.setdefault("gone", gone),
                         idle_limit=idle_limit)
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


def test_keepalives_do_not_hold_off_the_idle_limit_but_data_does():
    resp = FakeResponse()
    gen, state = _pump(resp, keepalive=0.04, idle_limit=0.3)
    started = time.monotonic()
    assert next(gen) == streaming.KEEPALIVE_FRAME
    resp.raw.chunks.put(b"data: x\n\n")
    out = [next(gen)]
    while out[-1] != b"<data: x>":
        out.append(next(gen))
    fed = time.monotonic()
    rest = list(gen)
    assert time.monotonic() - fed >= 0.3 - 0.02 and time.monotonic() - started < 3
    assert rest[-1] == b"<error upstream sent nothing for 0 seconds>"
    assert len(rest) >= 4 and set(rest[:-1]) == {streaming.KEEPALIVE_FRAME}
    assert state == {"gone": False} and resp.closed


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
