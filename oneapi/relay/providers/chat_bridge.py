"""Shared pieces of native adaptors whose upstream speaks neither of the hub's formats.

``BridgedCodec`` makes a provider codec (the interface of ``relay.formats`` codecs, provider side) from the Chat
codec plus two translations: a Chat body to the provider's body, and the provider's answer back to a Chat
completion; a stream translator turns each provider event into Chat chunks. Each adaptor then only knows how its
provider differs from OpenAI's Chat Completions.

``synthetic_response`` builds the ``requests.Response`` a ``reframe`` hook hands back when it had to make more
calls (a stream URL, polling an asynchronous job) before the answer was known.
"""
from __future__ import annotations

import io
import time
from typing import Callable, Iterable

import orjson
import requests
from requests.structures import CaseInsensitiveDict

from oneapi.relay import upstream
from oneapi.relay.errors import RelayError
from oneapi.relay.formats import chat

POLL_FIRST, POLL_MAX = 0.25, 2.0  # seconds between polls: short at first, then backing off
POLL_LIMIT = 600.0  # seconds an asynchronous job may take before the gateway gives up


class BridgedCodec:
    """Provider side of a codec: IR -> Chat body -> provider body, provider answer -> Chat -> IR."""

    def __init__(self, name: str, to_native: Callable[[dict], dict], from_native: Callable[[dict], dict],
                 stream_translator: Callable[[], object]) -> None:
        self.name = name
        self._to_native = to_native
        self._from_native = from_native
        self._translator = stream_translator
        self.encode_error = chat.encode_error
        self.decode_error = chat.decode_error
        self.decode_usage = chat.decode_usage

    def decode_request(self, body: dict):
        raise RelayError(400, f"{self.name} is a provider format, not a client format", "invalid_request_error",
                         "unsupported_format")

    def encode_request(self, req) -> dict:
        return self._to_native(chat.encode_request(req))

    def decode_response(self, body: dict):
        return chat.decode_response(self._from_native(body))

    def StreamDecoder(self):  # noqa: N802 - the codec interface's name
        return _BridgedStreamDecoder(self._translator())


class _BridgedStreamDecoder:
    """Provider events -> Chat chunks (by the adaptor's translator) -> IR events (by the Chat decoder)."""

    def __init__(self, translator) -> None:
        self.translator = translator
        self.chat = chat.StreamDecoder()

    def feed(self, event: str | None, data: str) -> list:
        out = []
        for chunk in self.translator.feed(event, data):
            out += self.chat.feed(None, chunk if isinstance(chunk, str) else orjson.dumps(chunk).decode())
        return out

    def close(self) -> list:
        out = []
        for chunk in getattr(self.translator, "close", lambda: [])():
            out += self.chat.feed(None, chunk if isinstance(chunk, str) else orjson.dumps(chunk).decode())
        return out + self.chat.close()


def chunk(chunk_id: str, model: str, delta: dict | None = None, finish: str | None = None,
          usage: dict | None = None) -> dict:
    """One Chat Completions stream chunk."""
    out = {"id": chunk_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
           "choices": [] if delta is None and finish is None else
           [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}
    if usage is not None:
        out["usage"] = usage
    return out


def completion(resp_id: str, model: str, message: dict, finish: str, usage: dict | None) -> dict:
    """A Chat Completions answer."""
    return {"id": resp_id, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
            "usage": usage}


def usage(prompt: int, completion_tokens: int) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens}


def refuse(chat_body: dict, *, tools: str, response_format: str) -> None:
    """A clear 400 (in the client's format, by the relay) for what the provider cannot do, instead of dropping
    it silently: each argument is the reason to give when the Chat body asks for that feature. Tools on
    ``tool_choice: "none"`` ask for nothing and pass."""
    wanted = [("tools", tools, bool(chat_body.get("tools")) and chat_body.get("tool_choice") != "none"),
              ("response_format", response_format,
               (chat_body.get("response_format") or {}).get("type") in ("json_object", "json_schema"))]
    for param, reason, asked in wanted:
        if asked:
            raise RelayError(400, reason, "invalid_request_error", "unsupported_parameter", param)


def last_user_text(chat_body: dict) -> str:
    for msg in reversed(chat_body.get("messages") or []):
        if msg.get("role") == "user":
            return content_text(msg.get("content"))
    return ""


def content_text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


# ---- answers built by the gateway ------------------------------------------------------------------------

class _Raw(io.BytesIO):
    """``resp.raw`` for a body already in memory (the relay reads with ``read1(n, decode_content=True)``)."""

    def read1(self, size: int = -1, decode_content: bool = True) -> bytes:  # noqa: ARG002
        return super().read1(size)

    def read(self, size: int = -1, decode_content: bool = True) -> bytes:  # noqa: ARG002
        return super().read(size)


def synthetic_response(status: int, body: bytes | dict, content_type: str = "application/json",
                       like: requests.Response | None = None) -> requests.Response:
    """A ``requests.Response`` holding ``body``, as if the upstream had answered it."""
    data = orjson.dumps(body) if isinstance(body, dict) else body
    resp = requests.Response()
    resp.status_code = status
    resp.headers = CaseInsensitiveDict({"Content-Type": content_type, "Content-Length": str(len(data))})
    resp.raw = _Raw(data)
    resp._content = data
    resp._content_consumed = True
    resp.encoding = "utf-8"
    if like is not None:
        resp.url, resp.request = like.url, like.request
    return resp


def sse_response(events: Iterable[bytes], like: requests.Response | None = None) -> requests.Response:
    return synthetic_response(200, b"".join(events), "text/event-stream", like)


def error_answer(status: int, message: str, like: requests.Response | None = None,
                 code: str = "upstream_error") -> requests.Response:
    """An OpenAI-shaped error, for a job the provider accepted but then failed."""
    return synthetic_response(status, {"error": {"message": message, "type": "upstream_error", "param": None,
                                                 "code": code}}, like=like)


def forwarded_headers(resp: requests.Response, *names: str) -> dict:
    """Credentials of the first call, for the follow-up calls (poll, stream) to the same provider."""
    sent = resp.request.headers if resp.request is not None else {}
    return {name: sent[name] for name in names if name in sent}


def follow_job(resp: requests.Response, follow: Callable[[requests.Response], requests.Response],
               what: str) -> requests.Response:
    """``follow(resp)`` for a provider's 2xx acceptance of a job (other answers pass through); a follow-up call
    that fails (connection, an answer that is not JSON) becomes a 502 error answer naming ``what``."""
    if resp.status_code // 100 != 2:
        return resp
    try:
        return follow(resp)
    except (requests.RequestException, ValueError) as exc:
        return error_answer(502, f"following the {what} failed: {type(exc).__name__}", resp)


def job_json(resp: requests.Response):
    """The first answer's JSON body; the connection is released either way."""
    try:
        return resp.json()
    finally:
        resp.close()


def fetch(method: str, url: str, headers: dict, stream: bool = False) -> requests.Response:
    return upstream.send(method, url, headers=headers, stream=stream)


def poll(url: str, headers: dict, done: Callable[[dict], bool], limit: float = POLL_LIMIT) -> tuple[int, dict | bytes]:
    """GET ``url`` until ``done(body)``: (200, body), or (status, raw body) of the first failing poll."""
    deadline = time.monotonic() + limit
    interval = POLL_FIRST
    while True:
        resp = fetch("GET", url, headers)
        if resp.status_code // 100 != 2:
            return resp.status_code, resp.content
        try:
            body = resp.json()
        except ValueError:
            return 502, b'{"error":{"message":"the provider answered a poll with something other than JSON"}}'
        if done(body):
            return 200, body
        if time.monotonic() > deadline:
            return 504, orjson.dumps({"error": {"message": "the provider's job did not finish in time",
                                                "type": "upstream_error", "code": "timeout"}})
        time.sleep(interval)
        interval = min(interval * 2, POLL_MAX)


def fragment(url: str) -> str:
    """The ``#...`` marker a target URL carries for its reframe hook (never sent over the wire)."""
    return url.partition("#")[2] if url else ""
