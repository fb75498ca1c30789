"""Server-sent-event framing shared by the stream encoders, plus a small parser."""

from __future__ import annotations

from typing import Iterable, Iterator

import orjson


def dumps(obj) -> bytes:
    return orjson.dumps(obj)


def loads(data: str):
    """Parse one event's JSON payload; None for anything that is not a JSON object
    (keep-alive noise some upstreams send), which decoders skip."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, (dict, list)) else None


def frame(data, event: str | None = None) -> bytes:
    """One SSE frame; ``data`` is a dict (JSON-encoded) or raw text."""
    body = data.encode() if isinstance(data, str) else dumps(data)
    if event:
        return b"event: " + event.encode() + b"\ndata: " + body + b"\n\n"
    return b"data: " + body + b"\n\n"


def event_fields(lines: Iterable[str]) -> tuple[str | None, list[str]]:
    """The event name and data lines of one event's lines; comments and other fields are skipped."""
    event, data = None, []
    for line in lines:
        if not line or line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    return event, data


def parse(raw: bytes | str) -> Iterator[tuple[str | None, str]]:
    """Split an SSE byte stream into (event, data) pairs; comments are skipped."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    for block in text.replace("\r\n", "\n").split("\n\n"):
        event, data = event_fields(block.split("\n"))
        if data or event:
            yield event, "\n".join(data)
