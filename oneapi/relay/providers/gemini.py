"""Google Gemini protocol: URL and headers (the body is converted by relay.formats.gemini)."""
from __future__ import annotations

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

    Such a module has ``prepare(url, body, model) -> (url, body)`` for the call and ``reframe(resp)`` for the answer.
    """
    if mode == "images":
        from oneapi.relay.providers import gemini_images
        return gemini_images
    if mode == "embeddings":
        from oneapi.relay.providers import gemini_embeddings
        return gemini_embeddings
    return None


def reframe(resp):
    """A Gemini answer to an OpenAI media route, in that route's OpenAI shape (other answers untouched)."""
    from oneapi.relay.providers import gemini_embeddings, gemini_images
    return gemini_embeddings.reframe(gemini_images.reframe(resp))
