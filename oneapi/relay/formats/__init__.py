"""Format-conversion hub: one codec per wire format, all meeting in ``ir``.

Each codec module exposes decode_request, encode_request, decode_response,
encode_response, StreamDecoder, StreamEncoder, encode_error and decode_error.
"""

from __future__ import annotations

import importlib

from .ir import iter_remote_images  # noqa: F401  (part of the public interface)

FORMATS = ("chat", "responses", "claude", "gemini")

CODECS = {name: importlib.import_module(f"{__name__}.{name}") for name in FORMATS}


def detect_format(body: dict) -> str | None:
    """Guess which client format a request body is written in."""
    if not isinstance(body, dict):
        return None
    if "contents" in body and "messages" not in body:
        return "gemini"
    if "input" in body and "messages" not in body:
        return "responses"
    if "instructions" in body and "messages" not in body:
        return "responses"
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    if "system" in body or "stop_sequences" in body or "anthropic_version" in body:
        return "claude"
    if isinstance(body.get("thinking"), dict) and body["thinking"].get("type") in ("enabled", "adaptive"):
        return "claude"
    if isinstance(body.get("tool_choice"), dict) and body["tool_choice"].get("type") in ("any", "tool", "auto"):
        return "claude"
    if any(isinstance(t, dict) and "input_schema" in t for t in body.get("tools") or []):
        return "claude"
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        if msg.get("role") in ("system", "developer", "tool") or "tool_calls" in msg or "tool_call_id" in msg:
            return "chat"
        content = msg.get("content")
        if isinstance(content, list):
            for block in content:
                kind = block.get("type") if isinstance(block, dict) else None
                if kind in ("tool_use", "tool_result", "thinking", "redacted_thinking", "document"):
                    return "claude"
                if kind == "image" and isinstance(block.get("source"), dict):
                    return "claude"
                if kind in ("image_url", "input_audio", "file"):
                    return "chat"
    if "max_tokens" in body and "max_completion_tokens" not in body and "top_k" in body:
        return "claude"
    return "chat"
