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
        buf = self._buf + chunk
        if b"\r" in buf:
            hold = buf.endswith(b"\r")  # a \r\n may be split across reads
            buf = (buf[:-1] if hold else buf).replace(b"\r\n", b"\n").replace(b"\r", b"\n") + (b"\r" if hold else b"")
        events = []
        while True:
            end = buf.find(b"\n\n")
            if end < 0:
                break
            events.append(buf[:end + 2])
            buf = buf[end + 2:]
        self._buf = buf
        return events

    def rest(self) -> bytes:
        rest, self._buf = self._buf.replace(b"\r", b""), b""
        return rest + b"\n\n" if rest.strip() else b""


def parse_event(raw: bytes) -> tuple[str | None, str]:
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


def pump(resp, on_event: Callable[[bytes], bytes], on_end: Callable[[], bytes],
         on_error: Callable[[str], bytes], on_finally: Callable[[bool], None],
         idle_limit: float | None = None) -> Iterator[bytes]:
    """Yield what ``on_event`` makes of each upstream event; ``on_finally(client_gone)`` always runs last.

    An upstream silent for ``idle_limit`` seconds (STREAM_IDLE_TIMEOUT; 0 = never) ends the stream with the
    error event, whatever RELAY_TIMEOUT says: a peer that vanished without closing must not hold the request.
    """
    idle_limit = _idle_limit() if idle_limit is None else idle_limit
    items: queue.Queue = queue.Queue()
    stop = threading.Event()

    def reader() -> None:
        try:
            for chunk in _read_chunks(resp):
                if stop.is_set():
                    return
                items.put(("data", chunk))
            items.put(("end", None))
        except Exception as exc:  # connection reset, incomplete chunked body, closed by us
            items.put(("error", exc))

    threading.Thread(target=reader, name="sse-reader", daemon=True).start()
    splitter = SSESplitter()
    client_gone = False
    last_byte = time.monotonic()
    try:
        while True:
            wait = KEEPALIVE_SECONDS
            if idle_limit > 0:
                wait = max(0.01, min(wait, last_byte + idle_limit - time.monotonic()))
            try:
                kind, value = items.get(timeout=wait)
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
            if kind == "data":
                for event in splitter.feed(value):
                    out = on_event(event)
                    if out:
                        yield out
                continue
            rest = splitter.rest()
            if rest:
                out = on_event(rest)
                if out:
                    yield out
            if kind == "end":
                out = on_end()
            else:
                log.warning("upstream stream failed: %s", value)
                out = on_error(f"upstream connection lost: {type(value).__name__}")
            if out:
                yield out
            return
    except GeneratorExit:
        client_gone = True
        raise
    finally:
        stop.set()
        _shutdown(resp)
        on_finally(client_gone)
