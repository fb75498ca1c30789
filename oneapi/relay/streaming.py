"""Relaying a server-sent-event stream event by event, as it arrives.

A reader (a greenlet under gevent) pulls raw bytes from the upstream with ``raw.read1`` and hands them over a
queue; the response generator splits them into complete events and yields each at once. While the upstream is
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


def _runtime():
    """(spawn, queue class) for the upstream reader: gevent's own in a monkey-patched worker, where emulated
    threads cost a thread start per stream and a lock dance per chunk; real threads elsewhere (tests)."""
    try:
        from gevent import monkey
        if monkey.is_module_patched("threading"):
            import gevent
            import gevent.queue
            return gevent.spawn, gevent.queue.Queue
    except ImportError:  # pragma: no cover - gevent is a dependency
        pass
    return (lambda fn: threading.Thread(target=fn, name="sse-reader", daemon=True).start()), queue.Queue


_END = object()  # the reader's last item when the upstream finished; an exception when it failed


def pump(resp, on_event: Callable[[bytes], bytes], on_end: Callable[[], bytes],
         on_error: Callable[[str], bytes], on_finally: Callable[[bool], None],
         idle_limit: float | None = None) -> Iterator[bytes]:
    """Yield what ``on_event`` makes of each upstream event; ``on_finally(client_gone)`` always runs last.

    Whatever arrived while the client was being written to goes out in one piece. An upstream silent for
    ``idle_limit`` seconds (STREAM_IDLE_TIMEOUT; 0 = never) ends the stream with the error event, whatever
    RELAY_TIMEOUT says: a peer that vanished without closing must not hold the request.
    """
    idle_limit = _idle_limit() if idle_limit is None else idle_limit
    spawn, make_queue = _runtime()
    items = make_queue()
    stopped = False

    def reader() -> None:
        try:
            for chunk in _read_chunks(resp):
                if stopped:
                    return
                items.put(chunk)
            items.put(_END)
        except Exception as exc:  # connection reset, incomplete chunked body, closed by us
            items.put(exc)

    spawn(reader)
    splitter = SSESplitter()
    client_gone = False
    last_byte = time.monotonic()
    try:
        while True:
            wait = KEEPALIVE_SECONDS
            if idle_limit > 0:
                wait = max(0.01, min(wait, last_byte + idle_limit - time.monotonic()))
            try:
                item = items.get(timeout=wait)
            except queue.Empty:
                if idle_limit > 0 and time.monotonic() - last_byte >= idle_limit:
                    log.warning("upstream stream idle for %.0f s: ending it", idle_limit)
                    out = on_error(f"upstream sent nothing for {idle_limit:.0f} seconds")
                    if out:
                        yield out
                    return
                yield KEEPALIVE_FRAME
                continue
            last_byte = time.monotonic()
            outs = []
            while isinstance(item, (bytes, bytearray)):  # everything already read goes out as one write
                for event in splitter.feed(item):
                    out = on_event(event)
                    if out:
                        outs.append(out)
                item = items.get_nowait() if not items.empty() else None
            if outs:
                yield b"".join(outs)
            if item is None:
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
        _shutdown(resp)
        on_finally(client_gone)
