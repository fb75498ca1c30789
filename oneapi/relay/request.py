"""The client's request as the relay sees it: mode (by path), body, requested model, stream flag."""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask import request
from werkzeug.formparser import FormDataParser

from oneapi.relay import body_types, format_detect, media_requests
from oneapi.relay.errors import RelayError

# Modes whose body must parse (as the original: a parse failure is fatal only for these).
_STRICT = {"chat", "completions", "images", "images_edits", "audio_transcription", "audio_translation",
           "audio_speech", "responses", "claude", "embeddings", "moderations", "edits", "rerank"}
_DEFAULT_MODEL = {"moderations": "text-moderation-stable", "images": "dall-e-2", "images_edits": "dall-e-2",
                  "audio_transcription": "whisper-1", "audio_translation": "whisper-1"}
# Client formats the conversion hub understands (others pass through to OpenAI-protocol channels only).
CONVERSION_FORMATS = {"chat": "chat", "claude": "claude", "responses": "responses"}


@dataclass
class RelayRequest:
    mode: str
    path: str                 # client path with query string, e.g. /v1/chat/completions?x=1
    method: str
    raw: bytes
    content_type: str
    json: dict | None = None
    form: dict = field(default_factory=dict)
    files: list = field(default_factory=list)  # [(name, filename, content_type, bytes)]
    model: str = ""
    stream: bool = False
    background: bool = False  # a Responses ``background: true`` run of the gateway's runner (usage only at the end)

    @property
    def is_multipart(self) -> bool:
        return self.content_type.startswith("multipart/form-data")

    @property
    def client_format(self) -> str | None:
        return CONVERSION_FORMATS.get(self.mode)

    @property
    def max_tokens(self) -> int | None:
        if not self.json:
            return None
        for key in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
            value = self.json.get(key)
            if isinstance(value, int) and value > 0:
                return value
        return None


def _parse_multipart(raw: bytes, content_type: str) -> tuple[dict, list]:
    mimetype, _, params_text = content_type.partition(";")
    options = {}
    for item in params_text.split(";"):
        name, _, value = item.strip().partition("=")
        if name:
            options[name.lower()] = value.strip('"')
    _, form, files = FormDataParser().parse(io.BytesIO(raw), mimetype.strip(), len(raw), options)
    parsed_files = []
    for name, storage in files.items(multi=True):
        parsed_files.append((name, storage.filename or name, storage.mimetype or "application/octet-stream",
                             storage.read()))
    return {k: v for k, v in form.items()}, parsed_files


def read(mode: str, path_model: str | None = None) -> RelayRequest:
    """Read the current Flask request (the body is buffered so retries can resend it)."""
    raw = request.get_data(cache=True)
    if raw and request.headers.get("Content-Encoding", "").lower() == "gzip":
        import gzip
        try:
            raw = gzip.decompress(raw)
        except OSError as exc:
            raise RelayError(400, "invalid gzip request body", "invalid_request_error", "invalid_request") from exc
    content_type = request.headers.get("Content-Type", "")
    path = request.full_path if request.query_string else request.path
    rr = RelayRequest(mode=mode, path=path, method=request.method, raw=raw, content_type=content_type)
    if rr.is_multipart:
        try:
            rr.form, rr.files = _parse_multipart(raw, content_type)
        except Exception as exc:
            if mode in _STRICT:
                raise RelayError(400, f"invalid multipart body: {exc}", "invalid_request_error",
                                 "invalid_request") from exc
        rr.model = rr.form.get("model", "") or ""
        rr.stream = str(rr.form.get("stream", "")).lower() == "true"
    elif raw:
        try:
            body = format_detect.parsed(raw)
            if not isinstance(body, dict):
                raise ValueError("the request body must be a JSON object")
            rr.json = body
        except ValueError as exc:
            if mode in _STRICT:
                raise RelayError(400, f"invalid request body: {exc}", "invalid_request_error",
                                 "invalid_text_request") from exc
        if rr.json is not None:
            body_types.check(mode, rr.json)
            model = rr.json.get("model")
            rr.model = model if isinstance(model, str) else ""
            rr.stream = rr.json.get("stream") is True
    elif mode in ("chat", "completions", "responses", "claude", "embeddings", "moderations", "edits", "rerank"):
        raise RelayError(400, "invalid request body: empty", "invalid_request_error", "invalid_text_request")
    if not rr.model:
        rr.model = path_model or _DEFAULT_MODEL.get(mode, "")
    media_requests.check(rr)
    return rr
