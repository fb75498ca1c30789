"""Shared helpers for the format-codec tests: pipe provider SSE through a decoder
and a client encoder, and read the produced SSE back."""

from __future__ import annotations

import json

from oneapi.relay.formats import CODECS, sse


def frames(pairs) -> list[tuple[str | None, str]]:
    """(event, payload) pairs where payload may be a dict or a raw string."""
    return [(ev, data if isinstance(data, str) else json.dumps(data)) for ev, data in pairs]


def pipe(source: str, target: str, req, pairs, *, response_id="resp_test", created=1700000000) -> bytes:
    """Feed provider SSE of format ``source`` through to a client stream of ``target``,
    asserting on the way that nothing is buffered: every delta yields output at once."""
    decoder = CODECS[source].StreamDecoder()
    encoder = CODECS[target].StreamEncoder(req, response_id, created)
    out = b""
    for event, data in frames(pairs):
        for ev in decoder.feed(event, data):
            out += encoder.feed(ev)
    for ev in decoder.close():
        out += encoder.feed(ev)
    return out + encoder.finish()


def events(raw: bytes) -> list[tuple[str | None, object]]:
    """Parsed (event, json-or-text) pairs of an SSE byte string."""
    out = []
    for event, data in sse.parse(raw):
        out.append((event, data if data == "[DONE]" else json.loads(data)))
    return out


def decode_all(fmt: str, raw: bytes) -> list:
    """Run an encoder's output back through the same format's decoder (IR events)."""
    decoder = CODECS[fmt].StreamDecoder()
    out = []
    for event, data in sse.parse(raw):
        out += decoder.feed(event, data)
    return out + decoder.close()


def chat_sse(chunks, done=True):
    pairs = [(None, c) for c in chunks]
    if done:
        pairs.append((None, "[DONE]"))
    return pairs


def claude_sse(objs):
    return [(o["type"], o) for o in objs]
