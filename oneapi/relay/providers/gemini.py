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
