"""Google Gemini protocol: URL and headers (the body is converted by relay.formats.gemini)."""
from __future__ import annotations

import orjson

from oneapi import config

TYPES = {24}
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"


def url(base: str, model: str, stream: bool, api_version: str | None = None) -> str:
    version = api_version or config.settings.gemini_version or "v1beta"
    action = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return f"{base.rstrip('/')}/{version}/models/{model}:{action}"


def headers(key: str) -> dict:
    return {"x-goog-api-key": key}



def media_adaptor(mode: str):
    """The module serving an OpenAI media route on Gemini channels (images, embeddings), or None.

    Such a module has ``prepare(url, body, model) -> (url, body)``, which marks the URL ``#<mode>[:params]``,
    and ``answer(gemini_answer, params, resp) -> resp`` for a successful reply.
    """
    if mode == "images":
        from oneapi.relay.providers import gemini_images
        return gemini_images
    if mode == "embeddings":
        from oneapi.relay.providers import gemini_embeddings
        return gemini_embeddings
    return None


def reframe(resp):
    """A Gemini answer to an OpenAI media route (its URL marked by ``prepare``), in that route's OpenAI shape."""
    from oneapi.relay.providers.chat_bridge import error_answer, fragment
    mode, _, params = fragment(resp.url).partition(":")
    adaptor = media_adaptor(mode)
    if adaptor is None or resp.status_code // 100 != 2:
        return resp
    try:
        answer = orjson.loads(resp.content)
    except ValueError:
        return error_answer(502, f"Gemini answered the {mode} request with something other than JSON", resp)
    finally:
        resp.close()
    return adaptor.answer(answer, params, resp)
