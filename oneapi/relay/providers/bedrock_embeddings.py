"""Embeddings on Bedrock (``/v1/embeddings``, InvokeModel): Titan Text Embeddings and Cohere Embed, answered as
OpenAI's list.

Cohere Embed takes every text in one call (``texts``, ``input_type``). Titan takes one ``inputText`` per call,
so a list of inputs fans out: the relay's own call carries the first text, and the adaptor's ``reframe`` sends
the others (signed beforehand by ``prepare_body``) at most ``FANOUT_CONCURRENCY`` at a time, then answers one
``data`` entry per input, in order, with the token counts summed. Any call that fails fails the whole request.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from oneapi.relay import upstream
from oneapi.relay.errors import RelayError
from oneapi.relay.providers import chat_bridge as bridge

MARKER = "embeddings"
FANOUT_CONCURRENCY = 4
MAX_TITAN_INPUTS = 256  # one call each: a larger batch belongs on Cohere Embed or a batch job


def texts_of(body: dict) -> list[str]:
    texts = body.get("input")
    return [texts] if isinstance(texts, str) else [str(t) for t in texts or []]


def is_cohere(model: str) -> bool:
    return "cohere" in model.lower()


def cohere_body(texts: list[str]) -> dict:
    return {"texts": texts, "input_type": "search_document"}


def titan_bodies(body: dict, texts: list[str]) -> list[dict]:
    """One Titan body per input text."""
    if not texts or len(texts) > MAX_TITAN_INPUTS:
        raise RelayError(400, f"Bedrock Titan embeddings take 1 to {MAX_TITAN_INPUTS} inputs per request",
                         "invalid_request_error", "unsupported_input")
    extra = {"dimensions": int(body["dimensions"])} if body.get("dimensions") else {}
    return [{"inputText": text, **extra} for text in texts]


def openai_list(answers: list[dict], model: str) -> dict:
    """Titan answers (one vector each) or one Cohere answer (a vector per text) -> OpenAI's embeddings list."""
    if answers and "embedding" in answers[0]:
        vectors = [a.get("embedding") or [] for a in answers]
        tokens = sum(int(a.get("inputTextTokenCount") or 0) for a in answers)
    else:  # Cohere Embed: no count
        vectors, tokens = (answers[0].get("embeddings") or []) if answers else [], 0
    out = {"object": "list", "model": model,
           "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]}
    if tokens:
        out["usage"] = {"prompt_tokens": tokens, "total_tokens": tokens}
    return out


def answer(resp, model: str, rest: list[tuple[dict, bytes]]):
    """The relay's response for the first input, the other inputs' signed requests sent now -> one OpenAI list."""
    replies = [resp]
    if rest:
        with ThreadPoolExecutor(max_workers=min(FANOUT_CONCURRENCY, len(rest))) as pool:
            replies += list(pool.map(lambda call: _send(resp.url, *call), rest))
    answers = []
    for reply in replies:
        if reply.status_code // 100 != 2:
            return reply
        try:
            answers.append(json.loads(reply.content))
        except ValueError:
            return bridge.error_answer(502, "Bedrock answered an embeddings call with something other than JSON",
                                       resp)
    return bridge.synthetic_response(200, openai_list(answers, model), like=resp)


def _send(url: str, headers: dict, data: bytes) -> requests.Response:
    try:
        reply = upstream.send("POST", url, headers=headers, data=data)
        _ = reply.content  # read the body in this worker
        return reply
    except requests.RequestException as exc:
        return bridge.error_answer(502, f"a Bedrock embeddings call failed: {type(exc).__name__}")
