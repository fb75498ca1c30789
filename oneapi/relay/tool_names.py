"""Tool names providers accept: OpenAI, Anthropic and Gemini want ``[a-zA-Z0-9_-]{1,64}``.

A client's tool named ``weather.get`` or ``搜索`` is renamed on the way up (definitions, tool choice and
tool-call history alike) and given back its own name in answers and streams. The renaming is a pure function
of the client's tool list, so the answer side recomputes it from the request instead of keeping state.
"""
from __future__ import annotations

import hashlib
import re

_SAFE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_UNSAFE_CHARS = re.compile(r"[^a-zA-Z0-9_-]")
_NAME_LISTS = ("allowedFunctionNames", "allowed_function_names")


def _declared_names(body: dict) -> list[str]:
    """Tool names of a Chat, Responses or Claude request (functions of legacy Chat too)."""
    names = []
    for tool in (body.get("tools") or []) + (body.get("functions") or []):
        if not isinstance(tool, dict):
            continue
        name = (tool.get("function") or {}).get("name") if isinstance(tool.get("function"), dict) else None
        name = name or tool.get("name")
        if isinstance(name, str):
            names.append(name)
    return names


def safe_name(name: str) -> str:
    cleaned = _UNSAFE_CHARS.sub("_", name).strip("_") or "tool"
    if len(cleaned) > 64 or cleaned != _UNSAFE_CHARS.sub("_", name):
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        cleaned = f"{cleaned[:55]}_{digest}"  # a short hash keeps two long or non-ASCII names apart
    return cleaned


def renames(body) -> dict[str, str]:
    """Original name -> name sent upstream, for the names that need it (empty for almost every request)."""
    if not isinstance(body, dict) or not (body.get("tools") or body.get("functions")):
        return {}
    names = _declared_names(body)
    taken = {n for n in names if _SAFE.match(n)}
    out: dict[str, str] = {}
    for name in names:
        if _SAFE.match(name) or name in out:
            continue
        candidate, n = safe_name(name), 2
        while candidate in taken:
            candidate = f"{safe_name(name)[:60]}_{n}"
            n += 1
        taken.add(candidate)
        out[name] = candidate
    return out


def rename_in(value, mapping: dict[str, str]):
    """Replace every ``"name": <mapped>`` in a JSON value (tool definitions, calls, results and choices all
    carry the tool name under ``name``, Gemini's forced call in ``allowedFunctionNames``); returns the value, changed in place where it is a dict or list."""
    if not mapping:
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "name" and isinstance(item, str) and item in mapping:
                value[key] = mapping[item]
            elif key in _NAME_LISTS and isinstance(item, list):  # Gemini's forced-call list
                value[key] = [mapping.get(n, n) if isinstance(n, str) else n for n in item]
            elif isinstance(item, (dict, list)):
                rename_in(item, mapping)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                rename_in(item, mapping)
    return value


def restores(body) -> dict[str, str]:
    """Upstream name -> the client's own name."""
    return {safe: original for original, safe in renames(body).items()}
