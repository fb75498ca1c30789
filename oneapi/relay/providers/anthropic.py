"""Anthropic Messages protocol: URL and headers (the body is converted by relay.formats.claude)."""
from __future__ import annotations

TYPES = {14, 52}  # Anthropic, ClaudeCompatible
DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"


def url(base: str, path: str) -> str:
    query = path.partition("?")[2]
    base = base.rstrip("/")
    route = "/messages" if base.endswith("/v1") else "/v1/messages"
    return base + route + (f"?{query}" if query and path.startswith("/v1/messages") else "")


def headers(key: str) -> dict:
    return {"x-api-key": key, "anthropic-version": API_VERSION}
