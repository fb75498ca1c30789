"""Plumbing shared by every format's stream decoder and encoder."""

from __future__ import annotations

from . import ir


class DecoderBase:
    """Tracks whether the upstream finished or failed, so ``close`` can tell a
    complete stream from one cut short; and numbers IR parts for formats whose
    deltas carry no part boundaries (Chat, Gemini) via ``_open``/``_ensure``."""

    error_type = "server_error"

    def __init__(self) -> None:
        self._finished = False
        self._errored = False
        self._next = 0
        self._current: tuple[str, int] | None = None  # (kind, IR index) of the open part

    def _new_index(self) -> int:
        self._next += 1
        return self._next - 1

    def _close_part(self) -> list:
        if self._current is None:
            return []
        index = self._current[1]
        self._current = None
        return [ir.PartStop(index)]

    def _open(self, kind: str, **kw) -> tuple[list, int]:
        events = self._close_part()
        index = self._new_index()
        events.append(ir.PartStart(index=index, kind=kind, **kw))
        self._current = (kind, index)
        return events, index

    def _ensure(self, kind: str, **kw) -> tuple[list, int]:
        """The open part if it is of this kind, else a new one."""
        if self._current and self._current[0] == kind:
            return [], self._current[1]
        return self._open(kind, **kw)

    def _end(self, out: list) -> list:
        """What ``close`` adds after the open parts are stopped."""
        if self._finished or self._errored:
            return out
        return out + [ir.ErrorEvent(message="upstream stream ended before completion", type=self.error_type,
                                    status=502)]


class EncoderBase:
    """Remembers usage and finish until ``finish``, turns an IR error into the
    format's in-stream error, and writes nothing once the stream is closed.
    Subclasses implement ``_on_start``, ``_on_part``, ``_closing`` and ``_error``."""

    def __init__(self, req: ir.Request, response_id: str, created: int) -> None:
        self.req = req
        self.id = response_id
        self.created = created
        self.model = req.model
        self._usage: ir.Usage | None = None
        self._finish: ir.Finish | None = None
        self._closed = False

    def feed(self, ev) -> bytes:
        if self._closed:
            return b""
        if isinstance(ev, ir.MessageStart):
            self.model = ev.model or self.model  # report the model that answered, as non-stream does
            if ev.usage:
                self._usage = ev.usage
            return self._on_start(ev)
        if isinstance(ev, ir.UsageEvent):
            self._usage = ev.usage
            return b""
        if isinstance(ev, ir.Finish):
            self._finish = ev
            return b""
        if isinstance(ev, ir.ErrorEvent):
            return self.error(ev.status, ev.message)
        return self._on_part(ev)

    def finish(self) -> bytes:
        if self._closed:
            return b""
        out = self._closing()
        self._closed = True
        return out

    def error(self, status: int, message: str) -> bytes:
        if self._closed:
            return b""
        out = self._error(status, message)
        self._closed = True
        return out

    def _on_start(self, ev: ir.MessageStart) -> bytes:
        return b""

    def _on_part(self, ev) -> bytes:
        raise NotImplementedError

    def _closing(self) -> bytes:
        raise NotImplementedError

    def _error(self, status: int, message: str) -> bytes:
        raise NotImplementedError
