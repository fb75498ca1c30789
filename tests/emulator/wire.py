"""Small shared pieces of the wire: JSON bodies, SSE framing, paced streaming, abrupt cuts."""
import json
import time

from werkzeug.wrappers import Response


class ConnectionCut(Exception):
    """Raised inside a response body to drop the connection without finishing the body."""


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def json_response(obj, status=200, headers=None):
    return Response(dumps(obj), status=status, headers=headers or {}, mimetype="application/json")


def sse(data, event=None, crlf=False):
    """One SSE event; `data` is a dict (JSON-encoded) or a ready string."""
    payload = data if isinstance(data, str) else dumps(data)
    nl = "\r\n" if crlf else "\n"
    head = f"event: {event}{nl}" if event else ""
    return f"{head}data: {payload}{nl}{nl}".encode()


def body_json(ctx, obj, status=200, headers=None):
    """A JSON response honouring the `malformed` and `cut` scenarios."""
    body = dumps(obj).encode()
    if ctx.scenario.has("malformed"):
        body = body[: max(1, len(body) // 2)] + b"<<not json"
    if ctx.scenario.has("cut"):
        return Response(_cut_body(body), status=status, headers={**(headers or {}), "Content-Length": str(len(body))},
                        mimetype="application/json", direct_passthrough=True)
    return Response(body, status=status, headers=headers or {}, mimetype="application/json")


def body_bytes(ctx, data, content_type, status=200):
    """A binary response honouring the `cut` scenario (Content-Length promised, half sent)."""
    if ctx.scenario.has("cut"):
        return Response(_cut_body(data), status=status, headers={"Content-Length": str(len(data))},
                        content_type=content_type, direct_passthrough=True)
    return Response(data, status=status, content_type=content_type)


def _cut_body(body):
    yield body[: len(body) // 2]
    raise ConnectionCut()


def paced(ctx, events, keepalive=b": keep-alive\n\n", done=None, error_event=None):
    """Yield pre-encoded events with the scenario's delay, keep-alive comments, stall and cut.

    `done` is the protocol's end marker (e.g. b"data: [DONE]\\n\\n"); `cut` drops the connection
    half-way so neither the rest nor the marker is sent; `streamerror` sends `error_event` there and stops.
    """
    scenario = ctx.scenario
    delay = scenario.delay_ms / 1000
    middle = len(events) // 2
    for i, event in enumerate(events):
        if i == middle:
            if scenario.has("cut"):
                raise ConnectionCut()
            if scenario.has("streamerror") and error_event:
                yield error_event
                return
            if scenario.stall_ms:
                ctx.sleep(scenario.stall_ms / 1000)
        if i and delay:
            ctx.sleep(delay)
        if scenario.has("keepalive") and keepalive:
            yield keepalive
        if scenario.has("fragment"):
            yield from _fragments(ctx, event)
        else:
            yield event
    if done:
        yield done


def _fragments(ctx, event):
    """The `fragment` scenario: one event in separate writes, cut mid-JSON and between a final CR and LF,
    so that a reader has to buffer partial lines."""
    cuts = sorted({len(event) // 2, len(event) - 1 if event.endswith(b"\r\n") else len(event)})
    start = 0
    for cut in cuts + [len(event)]:
        if cut > start:
            yield event[start:cut]
            ctx.sleep(0.002)
            start = cut


def stream_response(ctx, events, keepalive=b": keep-alive\n\n", done=None, content_type="text/event-stream",
                    error_event=None):
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    if ctx.scenario.has("malformed") and events:
        events = list(events)
        events.insert(len(events) // 2, b"data: {\"broken\": \n\n")
    return Response(paced(ctx, events, keepalive, done, error_event), headers=headers, content_type=content_type,
                    direct_passthrough=True)


def split_pieces(text, count):
    """Split text into at most `count` consecutive non-empty pieces whose concatenation is `text`."""
    if not text:
        return []
    count = max(1, min(count, len(text)))
    size, extra = divmod(len(text), count)
    pieces, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        pieces.append(text[start:end])
        start = end
    return pieces


def now():
    return int(time.time())
