"""Convenience wrappers the relay calls: translate a request, a response, or a
live stream from one format to another, keeping the IR for billing and logs."""

from __future__ import annotations

import time

from . import CODECS, ir
from .assemble import Assembler


def convert_request(body: dict, client_fmt: str, provider_fmt: str, model: str | None = None
                    ) -> tuple[ir.Request, dict]:
    """Client body -> (client IR request, provider body). ``model`` is the upstream
    model name after mapping; the returned IR keeps the client's model."""
    req = CODECS[client_fmt].decode_request(body)
    upstream = ir.Request(**{**req.__dict__})
    if model:
        upstream.model = model
    return req, CODECS[provider_fmt].encode_request(upstream)


def convert_response(body: dict, provider_fmt: str, client_fmt: str, client_req: ir.Request
                     ) -> tuple[ir.Response, dict]:
    resp = CODECS[provider_fmt].decode_response(body)
    return resp, CODECS[client_fmt].encode_response(resp, client_req)


class StreamBridge:
    """Provider SSE events in, client SSE bytes out, one event at a time.

    ``feed`` returns the bytes to write at once (possibly b""); ``close`` returns the
    closing bytes, or a well-formed in-stream error if the upstream stopped early.
    ``response`` is the assembled answer so far (text, calls, usage, finish)."""

    def __init__(self, provider_fmt: str, client_fmt: str, client_req: ir.Request,
                 response_id: str | None = None, created: int | None = None) -> None:
        self.decoder = CODECS[provider_fmt].StreamDecoder()
        self.encoder = CODECS[client_fmt].StreamEncoder(
            client_req, response_id or ir.new_id("resp_"), created or int(time.time()))
        self._assembler = Assembler()

    def _encode(self, events: list) -> bytes:
        out = b""
        for ev in events:
            self._assembler.feed(ev)
            out += self.encoder.feed(ev)
        return out

    def feed(self, event: str | None, data: str) -> bytes:
        return self._encode(self.decoder.feed(event, data))

    def close(self) -> bytes:
        if self._assembler.error is not None:
            return self.encoder.finish()  # already ended with an error; finish() adds nothing
        out = self._encode(self.decoder.close())
        return out + self.encoder.finish()

    def fail(self, status: int, message: str) -> bytes:
        """The relay lost the upstream (timeout, connection reset): end the client stream."""
        self._assembler.feed(ir.ErrorEvent(message=message, status=status))
        return self.encoder.error(status, message)

    @property
    def response(self) -> ir.Response:
        return self._assembler.result()

    @property
    def error(self) -> ir.ErrorEvent | None:
        return self._assembler.error
