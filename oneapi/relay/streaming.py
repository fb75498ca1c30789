"""Relaying a server-sent-event stream event by event, as it arrives.

A reader (a greenlet under gevent) pulls raw bytes from the upstream with ``raw.read1`` and hands them over a
queue; the response generator splits them into complete events and yields them at once (what arrived together
in one piece). While the upstream is
silent the client gets ``: keep-alive`` comments. A client disconnect (``GeneratorExit``) closes the upstream
connection at once; an upstream that dies mid-stream gets the client a well-formed error event.
"""
from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from typing import Callable, Iterator

import gevent
import gevent.queue
from gevent import monkey

from oneapi.relay.formats.sse import event_fields

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
KEEPALIVE_FRAME = b": keep-alive\n\n"
HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class SSESplitter:
    """Cuts a byte stream into complete SSE events (each returned with its terminating blank line)."""

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" in buf:
            hold = buf.endswith(b"\r")  # a \r\n may be split across reads
            buf = (buf[:-1] if hold else buf).replace(b"\r\n", b"\n").replace(b"\r", b"\n") + (b"\r" if hold else b"")
        if buf.endswith(b"\n\n") and buf.find(b"\n\n") == len(buf) - 2:  # the usual read: one whole event
            self._buf = b""
            return [buf]
        events = buf.split(b"\n\n")
        self._buf = events.pop()
        return [event + b"\n\n" for event in events]

    def rest(self) -> bytes:
        rest, self._buf = self._buf.replace(b"\r", b""), b""
        return rest + b"\n\n" if rest.strip() else b""


def parse_event(raw: bytes) -> tuple[str | None, str]:
    if raw.startswith(b"data: ") and raw.endswith(b"\n\n") and raw.count(b"\n") == 2:  # the usual event
        return None, raw[6:-2].decode("utf-8", "replace")
    event, data = event_fields(raw.decode("utf-8", "replace").split("\n"))
    return event, "\n".join(data)


def _read_chunks(resp) -> Iterator[bytes]:
    raw = resp.raw
    reader = getattr(raw, "read1", None)
    while True:
        chunk = reader(65536, decode_content=True) if reader else raw.read(65536, decode_content=True)
        if not chunk:
            return
        yield chunk


def _shutdown(resp) -> None:
    """Close the upstream connection now (also wakes a reader blocked on it)."""
    try:
        conn = getattr(resp.raw, "_connection", None) or getattr(resp.raw, "connection", None)
        sock = getattr(conn, "sock", None)
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:
        pass
    try:
        resp.close()
    except Exception:
        pass


class UpstreamDied(Exception):
    pass


def _idle_limit() -> float:
    from oneapi import config
    return float(getattr(getattr(config, "settings", None), "stream_idle_timeout", 0) or 0)


_END = object()  # the reader's last item when the upstream finished (an exception when it failed)
_DUE = object()  # the inbox's word that the deadline it was given has come


class _Inbox:
    """The reader's items on their way to the response generator (real threads: tests, sync servers)."""

    queue_class = queue.Queue

    def __init__(self) -> None:
        self._queue = self.queue_class()
        self.put = self._queue.put

    @staticmethod
    def spawn(fn) -> None:
        threading.Thread(target=fn, name="sse-reader", daemon=True).start()

    def get(self, due: float):
        """The next item, or ``_DUE`` once the monotonic time ``due`` has come."""
        try:
            return self._queue.get(timeout=max(0.01, due - time.monotonic()))
        except queue.Empty:
            return _DUE

    def ready(self):
        """An item already waiting, else None."""
        return None if self._queue.empty() else self._queue.get_nowait()

    def close(self) -> None:
        pass


class _GreenInbox(_Inbox):
    """Under gevent: the reader is a plain greenlet, not an emulated thread, and one timer per stream rings at a
    deadline; a deadline that new data moved later is found out when it rings, instead of a timer started and
    cancelled for every item."""

    queue_class = gevent.queue.Queue
    spawn = staticmethod(gevent.spawn)

    def __init__(self) -> None:
        super().__init__()
        self._loop = gevent.get_hub().loop
        self._timer = None

    def get(self, due: float):
        if self._timer is None:
            self._timer = self._loop.timer(max(0.01, due - time.monotonic()))
            self._timer.start(self._ring)
        return self._queue.get()

    def _ring(self) -> None:
        self._timer = None
        self._queue.put(_DUE)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.close()
            self._timer = None


def _inbox() -> _Inbox:
    return _GreenInbox() if monkey.is_module_patched("threading") else _Inbox()


def pump(resp, on_event: Callable[[bytes], bytes], on_end: Callable[[], bytes],
         on_error: Callable[[str], bytes], on_finally: Callable[[bool], None],
         idle_limit: float | None = None) -> Iterator[bytes]:
    """Yield what ``on_event`` makes of each upstream event; ``on_finally(client_gone)`` always runs last.

    Whatever arrived while the client was being written to goes out in one piece. An upstream silent for
    ``idle_limit`` seconds (STREAM_IDLE_TIMEOUT; 0 = never) ends the stream with the error event, whatever
    RELAY_TIMEOUT says: a peer that vanished without closing must not hold the request.
    """
    idle_limit = _idle_limit() if idle_limit is None else idle_limit
    inbox = _inbox()
    stopped = False

    def reader() -> None:
        try:
            for chunk in _read_chunks(resp):
                if stopped:
                    return
                inbox.put(chunk)
            inbox.put(_END)
        except Exception as exc:  # connection reset, incomplete chunked body, closed by us
            inbox.put(exc)

    inbox.spawn(reader)
    splitter = SSESplitter()
    client_gone = False
    last_byte = last_beat = time.monotonic()
    try:
        while True:
            beat_due = max(last_byte, last_beat) + KEEPALIVE_SECONDS
            item = inbox.get(min(beat_due, last_byte + idle_limit) if idle_limit > 0 else beat_due)
            if item is _DUE:
                now = time.monotonic()
                if idle_limit > 0 and now - last_byte >= idle_limit:
                    log.warning("upstream stream idle for %.0f s: ending it", idle_limit)
                    out = on_error(f"upstream sent nothing for {idle_limit:.0f} seconds")
                    if out:
                        yield out
                    return
                if now >= beat_due:
                    last_beat = now
                    yield KEEPALIVE_FRAME
                continue
            last_byte = time.monotonic()
            outs = []
            while isinstance(item, (bytes, bytearray)):  # everything already read goes out as one write
                for event in splitter.feed(item):
                    out = on_event(event)
                    if out:
                        outs.append(out)
                item = inbox.ready()
            if outs:
                yield b"".join(outs)
            if item is None or item is _DUE:
                continue
            rest = splitter.rest()
            if rest:
                out = on_event(rest)
                if out:
                    yield out
            if item is _END:
                out = on_end()
            else:
                log.warning("upstream stream failed: %s", item)
                out = on_error(f"upstream connection lost: {type(item).__name__}")
            if out:
                yield out
            return
    except GeneratorExit:
        client_gone = True
        raise
    finally:
        stopped = True
        inbox.close()
        _shutdown(resp)
        on_finally(client_gone)
