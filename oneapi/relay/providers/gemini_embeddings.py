"""OpenAI's ``/v1/embeddings`` on Gemini channels (type 24): one ``batchEmbedContents`` call.

Each input becomes a ``requests[]`` entry (``model: models/<model>``, the text as its one part, ``dimensions`` as
``outputDimensionality``); the answer's ``embeddings[].values`` become OpenAI's ``data[]``, as floats or as
base64 little-endian float32 when ``encoding_format`` is ``base64`` (the openai SDK's default). Gemini reports no
token usage for embeddings, so the answer's usage (and the bill) is the gateway's count of the input text.
"""
from __future__ import annotations

import base64
import struct

import orjson

from oneapi.relay.errors import RelayError
from oneapi.relay.providers.chat_bridge import synthetic_response

MARKER = "embeddings"  # the relay mode: gemini.reframe finds this module by it


def _texts(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise RelayError(400, "Gemini embeds text only: input must be a non-empty string or array of strings",
                         "invalid_request_error", "invalid_value", "input")
    return value


def request_body(body: dict, model: str) -> dict:
    """An OpenAI embeddings body -> a Gemini batchEmbedContents body."""
    extra = {"outputDimensionality": body["dimensions"]} if isinstance(body.get("dimensions"), int) else {}
    return {"requests": [{"model": f"models/{model}", "content": {"parts": [{"text": text}]}, **extra}
                         for text in _texts(body.get("input"))]}


def prepare(url: str, data: bytes, model: str) -> tuple[str, bytes]:
    """The generateContent target and the client's body -> the batchEmbedContents call, its URL marked for
    reframe with what the answer needs: ``#embeddings:<float|base64>:<input tokens>``."""
    from oneapi.relay.metering import count_text
    body = orjson.loads(data or b"{}")
    sent = request_body(body, model)
    encoding = "base64" if body.get("encoding_format") == "base64" else "float"
    tokens = sum(count_text(r["content"]["parts"][0]["text"], model) for r in sent["requests"])
    base = url.split("#", 1)[0].rsplit(":", 1)[0]  # .../models/<model>
    return f"{base}:batchEmbedContents#{MARKER}:{encoding}:{tokens}", orjson.dumps(sent)


def _vector(values: list, encoding: str):
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
    return values


def embeddings_response(answer: dict, model: str, encoding: str, tokens: int) -> dict:
    """A Gemini answer -> an OpenAI embeddings response."""
    data = [{"object": "embedding", "index": i, "embedding": _vector(e.get("values") or [], encoding)}
            for i, e in enumerate(answer.get("embeddings") or [])]
    return {"object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def answer(gemini_answer: dict, params: str, resp):
    """The batchEmbedContents answer as an OpenAI embeddings response (``params``: ``<encoding>:<tokens>``)."""
    encoding, _, tokens = params.partition(":")
    model = resp.url.split("#", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return synthetic_response(200, embeddings_response(gemini_answer, model, encoding, int(tokens or 0)), like=resp)
