"""What happens to each upstream SSE event: passed through untouched (tapped for usage and text), or
converted from the provider's stream format to the client's."""
from __future__ import annotations

import logging
import re

import orjson

from oneapi.relay import metering
from oneapi.relay.formats import CODECS, ir
from oneapi.relay.streaming import parse_event

log = logging.getLogger(__name__)


def _client_error_frame(client_format: str | None, model: str, message: str, status: int = 502) -> bytes:
    """A well-formed error event in the client's format (Chat's shape for OpenAI-style raw streams)."""
    from oneapi.relay.errors import with_request_id
    codec = CODECS.get(client_format or "chat") or CODECS["chat"]
    try:
        encoder = codec.StreamEncoder(ir.Request(model=model), "relay", 0)
        return encoder.error(status, with_request_id(message))
    except Exception:
        body = {"error": {"message": with_request_id(message), "type": "upstream_error", "param": "",
                          "code": "stream_error"}}
        return b"data: " + orjson.dumps(body) + b"\n\ndata: [DONE]\n\n"


class _Tap:
    """Collects usage and delivered text from decoded IR events."""

    def __init__(self) -> None:
        self.usage: ir.Usage | None = None
        self.text: list[str] = []

    def take(self, events) -> None:
        for ev in events:
            if isinstance(ev, ir.UsageEvent) and ev.usage is not None:
                self.usage = ev.usage
            elif isinstance(ev, ir.MessageStart) and ev.usage is not None and self.usage is None:
                self.usage = ev.usage
            elif isinstance(ev, (ir.TextDelta, ir.ThinkingDelta)):
                self.text.append(ev.text)
            elif isinstance(ev, ir.ToolArgsDelta):
                self.text.append(ev.json)


class _DecoderTap(_Tap):
    """A format's whole stream decoder used as a tap (formats without a lighter ``StreamTap``)."""

    def __init__(self, decoder) -> None:
        super().__init__()
        self.decoder = decoder

    def feed(self, event: str | None, data: str) -> None:
        self.take(self.decoder.feed(event, data))

    def close(self) -> list:
        tail = self.decoder.close()
        self.take(tail)
        return [e for e in tail if isinstance(e, ir.ErrorEvent)]


class _LegacyTap:
    """Legacy completions (and other OpenAI streams the chat decoder does not know): text and usage."""

    def __init__(self) -> None:
        self.usage: ir.Usage | None = None
        self.text: list[str] = []

    def feed(self, event: str | None, data: str) -> None:
        if not data or data == "[DONE]":
            return
        try:
            chunk = orjson.loads(data)
        except ValueError:
            return
        for choice in chunk.get("choices") or []:
            text = choice.get("text") or (choice.get("delta") or {}).get("content")
            if isinstance(text, str):
                self.text.append(text)
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.usage = ir.Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))

    def close(self) -> list:
        return []


def _usage(tap) -> metering.UsageNumbers | None:
    return None if tap.usage is None else metering.UsageNumbers.from_ir(tap.usage)


class _Tapped:
    """What every processor reports when the stream is over, read from its tap: usage and the text delivered."""
    tap: object

    @property
    def usage(self):
        return _usage(self.tap)

    def delivered_text(self) -> str:
        return "".join(self.tap.text)


class Passthrough(_Tapped):
    """Client format == provider protocol: every event goes out byte for byte."""

    def __init__(self, tap_format: str | None, client_format: str | None, model: str) -> None:
        codec = CODECS.get(tap_format)
        if codec is None:
            self.tap = _LegacyTap()
        elif hasattr(codec, "StreamTap"):
            self.tap = codec.StreamTap()
        else:
            self.tap = _DecoderTap(codec.StreamDecoder())
        self.client_format = client_format
        self.model = model
        self.failed = False

    def on_event(self, raw: bytes) -> bytes:
        event, data = parse_event(raw)
        if data:
            try:
                self.tap.feed(event, data)
            except Exception:  # an event the tap cannot read is still relayed
                log.debug("stream tap could not read an event", exc_info=True)
        return raw

    def on_end(self) -> bytes:
        try:
            errors = self.tap.close()
        except Exception:
            return b""
        if errors:
            self.failed = True
            return _client_error_frame(self.client_format, self.model, errors[0].message, errors[0].status)
        return b""

    def on_error(self, message: str) -> bytes:
        self.failed = True
        return _client_error_frame(self.client_format, self.model, message)


class Converting(_Tapped):
    """Provider stream -> IR events -> client stream."""

    def __init__(self, provider_format: str, client_format: str, ir_request, model: str,
                 decoder_options: dict | None = None) -> None:
        from oneapi.relay.prepare import new_response_id
        response_id, created = new_response_id()
        self.decoder = CODECS[provider_format].StreamDecoder(**(decoder_options or {}))
        self.encoder = CODECS[client_format].StreamEncoder(ir_request, response_id, created)
        self.client_format = client_format
        self.model = model
        self.tap = _Tap()
        self.failed = False

    def _encode(self, events) -> bytes:
        self.tap.take(events)
        out = b""
        for ev in events:
            if isinstance(ev, ir.ErrorEvent):
                self.failed = True
            out += self.encoder.feed(ev)
        return out

    def on_event(self, raw: bytes) -> bytes:
        event, data = parse_event(raw)
        if not data:
            return b""
        return self._encode(self.decoder.feed(event, data))

    def on_end(self) -> bytes:
        out = self._encode(self.decoder.close())
        return out + self.encoder.finish()

    def on_error(self, message: str) -> bytes:
        self.failed = True
        from oneapi.relay.errors import with_request_id
        return self.encoder.error(502, with_request_id(message))


# The client's last event: SDKs stop reading there (the OpenAI SDK closes the response at [DONE]).
_FINAL_EVENT = re.compile(rb"^(?:data: ?\[DONE\]|event: ?(?:message_stop|response\.(?:completed|incomplete|failed)))\s*$",
                          re.MULTILINE)


def ends_stream(out: bytes) -> bool:
    """Whether ``out`` carries the client's final event, so what must precede the client's next read (the
    request's settlement) has to happen before it is written."""
    return bool(_FINAL_EVENT.search(out))


def for_request(rr, prepared):
    if prepared.converted:
        from oneapi.relay.conversion_extras import decoder_options  # <think> tags under ?thinking=true
        return Converting(prepared.provider_format, prepared.client_format, prepared.ir_request, rr.model,
                          decoder_options(rr, prepared))
    if prepared.provider_format in CODECS:
        return Passthrough(prepared.provider_format, prepared.client_format, rr.model)
    tap = "chat" if rr.mode == "chat" else None
    return Passthrough(tap, "chat", rr.model)
