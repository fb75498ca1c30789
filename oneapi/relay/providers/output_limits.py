"""The most output tokens each model may be asked for, and the clamp that keeps requests within it.

Clients ask for what their own default model allows (Claude Code sends ``max_tokens: 32000``), and providers
answer 400 when a request asks for more than the model can write ("max_tokens is too large: 32000. This model
supports at most 16384 completion tokens"). The relay lowers such a limit to the model's maximum; it never
raises one, and models missing from the table are left alone.

Keys are model names (case-insensitive) matched as a prefix followed by nothing or by a suffix that is not a
version number: ``gpt-4o`` covers ``gpt-4o-2024-08-06`` and ``gpt-4o-mini`` but ``claude-opus-4`` does not
cover ``claude-opus-4-5``; the longest matching key wins. A provider prefix (``openai/``, Bedrock's
``anthropic.``) is ignored.
"""
from __future__ import annotations

import functools

import re

MAX_OUTPUT_TOKENS: dict[str, int] = {
    # OpenAI
    "gpt-3.5-turbo": 4096,
    "gpt-4": 8192,
    "gpt-4-32k": 32768,
    "gpt-4-turbo": 4096,
    "gpt-4-vision": 4096,
    "gpt-4-1106": 4096,
    "gpt-4-0125": 4096,
    "gpt-4o": 16384,
    "gpt-4o-2024-05-13": 4096,
    "chatgpt-4o": 16384,
    "gpt-4.1": 32768,
    "gpt-4.5": 16384,
    "gpt-5": 128000,
    "gpt-5.1": 128000,
    "gpt-5.2": 128000,
    "gpt-5-chat": 16384,
    "gpt-5.1-chat": 16384,
    "gpt-5.2-chat": 16384,
    "gpt-5-pro": 272000,
    "o1": 100000,
    "o1-mini": 65536,
    "o1-preview": 32768,
    "o3": 100000,
    "o3-mini": 100000,
    "o4-mini": 100000,
    # Anthropic
    "claude-3-haiku": 4096,
    "claude-3-sonnet": 4096,
    "claude-3-opus": 4096,
    "claude-3-5-haiku": 8192,
    "claude-3-5-sonnet": 8192,
    "claude-3-7-sonnet": 64000,
    "claude-sonnet-4": 64000,
    "claude-sonnet-4-0": 64000,
    "claude-sonnet-4-5": 64000,
    "claude-sonnet-4-6": 64000,
    "claude-opus-4": 32000,
    "claude-opus-4-0": 32000,
    "claude-opus-4-1": 32000,
    "claude-opus-4-5": 64000,
    "claude-opus-4-6": 128000,
    "claude-haiku-4-5": 64000,
    # Google
    "gemini-1.5-pro": 8192,
    "gemini-1.5-flash": 8192,
    "gemini-2.0-flash": 8192,
    "gemini-2.0-flash-thinking": 65536,
    "gemini-2.5-pro": 65536,
    "gemini-2.5-flash": 65536,
    # DeepSeek
    "deepseek-chat": 8192,
    "deepseek-reasoner": 64000,
}

_VERSION_SUFFIX = re.compile(r"^[-.]\d{1,2}(?:$|[-.])")  # "-5", "-1-2025...", ".1": another model version
_KEYS = sorted(MAX_OUTPUT_TOKENS, key=len, reverse=True)


def _base_name(model: str) -> str:
    name = (model or "").lower().rsplit("/", 1)[-1]
    for family in ("claude-", "gemini-"):  # Bedrock "us.anthropic.claude-...", Vertex publisher paths
        at = name.find(family)
        if at > 0:
            return name[at:]
    return name


@functools.lru_cache(maxsize=4096)
def max_output_tokens(model: str) -> int | None:
    """The model's output-token maximum, or None when the table does not know the model (remembered per
    name: the table is a prefix scan)."""
    name = _base_name(model)
    for key in _KEYS:
        if name.startswith(key):
            rest = name[len(key):]
            if not rest or (rest[0] in "-.:@" and not _VERSION_SUFFIX.match(rest)):
                return MAX_OUTPUT_TOKENS[key]
    return None


def within_limit(max_tokens: int | None, model: str) -> int | None:
    """A requested output limit as it is sent upstream (for the quota reservation)."""
    limit = max_output_tokens(model)
    return min(max_tokens, limit) if max_tokens and limit else max_tokens


# Where each wire format keeps its output limit.
_LIMIT_FIELDS = {"chat": ("max_tokens", "max_completion_tokens"), "completions": ("max_tokens",),
                 "responses": ("max_output_tokens",), "claude": ("max_tokens",)}


def clamp_output_tokens(body: dict, fmt: str, model: str) -> bool:
    """Lower the body's output limit to the model's maximum; True when something changed."""
    limit = max_output_tokens(model)
    if limit is None:
        return False
    if fmt == "gemini":
        return _clamp_gemini(body, limit)
    changed = False
    for name in _LIMIT_FIELDS.get(fmt, ()):
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > limit:
            body[name] = limit
            changed = True
    if changed and fmt == "claude":
        _fit_thinking_budget(body, limit)
    return changed


def _fit_thinking_budget(body: dict, max_tokens: int) -> None:
    """Anthropic wants thinking.budget_tokens below max_tokens (and at least 1024)."""
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and isinstance(thinking.get("budget_tokens"), int) \
            and thinking["budget_tokens"] >= max_tokens:
        body["thinking"] = {**thinking, "budget_tokens": max(1024, max_tokens // 2)}


def _clamp_gemini(body: dict, limit: int) -> bool:
    for section in ("generationConfig", "generation_config"):
        config = body.get(section)
        if not isinstance(config, dict):
            continue
        for name in ("maxOutputTokens", "max_output_tokens"):
            value = config.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > limit:
                body[section] = {**config, name: limit}
                return True
    return False
