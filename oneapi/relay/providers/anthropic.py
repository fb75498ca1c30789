"""Anthropic Messages protocol: URL, headers and per-model body rules (bodies are converted by relay.formats)."""
from __future__ import annotations

import re

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


# Claude 4.5 and later answer 400 "`temperature` and `top_p` cannot both be specified for this model".
_CLAUDE_GENERATION = re.compile(r"claude-(?:opus|sonnet|haiku)-(\d+)(?:[-.](\d)(?!\d))?")


def takes_one_sampling_parameter(model: str) -> bool:
    """Claude models that take ``temperature`` or ``top_p`` but not both (4.5 and later)."""
    found = _CLAUDE_GENERATION.search((model or "").lower())
    return bool(found) and (int(found.group(1)), int(found.group(2) or 0)) >= (4, 5)


def drop_top_p_beside_temperature(body: dict, model: str) -> bool:
    """Keep ``temperature`` and drop ``top_p`` when a body (Messages, or Chat/Responses to a gateway serving
    Claude) sets both for such a model, as the reference relay does; True when something changed."""
    if body.get("temperature") is None or body.get("top_p") is None or not takes_one_sampling_parameter(model):
        return False
    del body["top_p"]
    return True
