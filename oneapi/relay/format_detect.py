"""AUTO_DETECT_API_FORMAT: a body written in one client format but sent to another format's endpoint
(Responses JSON to /v1/chat/completions, a Claude body to /v1/chat/completions, Chat to /v1/messages, ...).

``transparent`` serves it as the format it is written in and answers in that format; ``redirect`` answers
307 to the endpoint of that format (the method and body are kept by clients that follow it). Detection is
conservative: a body is moved only on signals the endpoint's own format cannot have; anything ambiguous
(a plain ``{"model", "messages": [{"role": "user", "content": "hi"}]}``) keeps the endpoint's format.
"""
from __future__ import annotations

import re

import orjson
from flask import Response, g, request

from oneapi import config

ENDPOINTS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "claude": "/v1/messages"}

# Top-level fields only Anthropic Messages has (``thinking`` is not one: Chat clients send it as a provider field).
_CLAUDE_FIELDS = ("system", "stop_sequences", "anthropic_version")
_CLAUDE_BLOCKS = {"tool_use", "tool_result", "thinking", "redacted_thinking", "document"}
# Fields only Chat Completions has.
_CHAT_FIELDS = ("max_completion_tokens", "response_format", "stream_options", "reasoning_effort", "n",
                "logprobs", "frequency_penalty", "presence_penalty", "functions", "function_call")
_CHAT_ROLES = {"system", "developer", "tool", "function"}
_CHAT_PARTS = {"image_url", "input_audio", "file"}


def _blocks(messages: list):
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        content = msg.get("content")
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict):
                    yield msg, block


def claude_signals(body: dict) -> bool:
    if any(key in body for key in _CLAUDE_FIELDS):
        return True
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool") and "function" not in choice:
        return True
    if any(isinstance(t, dict) and "input_schema" in t for t in body.get("tools") or []):
        return True
    for _, block in _blocks(body.get("messages") or []):
        kind = block.get("type")
        if kind in _CLAUDE_BLOCKS or (kind == "image" and isinstance(block.get("source"), dict)):
            return True
    return False


def chat_signals(body: dict) -> bool:
    if any(key in body for key in _CHAT_FIELDS):
        return True
    if body.get("tool_choice") in ("required", "none") or isinstance((body.get("tool_choice") or {}), dict) and \
            "function" in (body.get("tool_choice") or {}):
        return True
    if any(isinstance(t, dict) and isinstance(t.get("function"), dict) for t in body.get("tools") or []):
        return True
    for msg in body.get("messages") or []:
        if isinstance(msg, dict) and (msg.get("role") in _CHAT_ROLES or "tool_calls" in msg or "tool_call_id" in msg):
            return True
    return any(block.get("type") in _CHAT_PARTS for _, block in _blocks(body.get("messages") or []))


def real_format(endpoint: str, body) -> str | None:
    """The client format ``body`` is written in when it is clearly not ``endpoint``'s; else None."""
    if endpoint not in ENDPOINTS or not isinstance(body, dict):
        return None
    messages = body.get("messages")
    has_messages = isinstance(messages, list)
    if endpoint != "responses" and not has_messages and isinstance(body.get("input"), (str, list)):
        return "responses"
    if not has_messages:
        return None
    if endpoint == "responses":
        if "input" in body:
            return None
        return "claude" if claude_signals(body) and not chat_signals(body) else "chat"
    if endpoint == "chat" and claude_signals(body) and not chat_signals(body):
        return "claude"
    if endpoint == "claude" and chat_signals(body) and not claude_signals(body):
        return "chat"
    return None


# Byte strings at least one of which a body must hold to be moved from an endpoint: most bodies are ruled out
# by a few substring scans, without parsing the JSON a second time. Keys are matched with their colon
# (``"system":``) where the same word is a common value of the endpoint's own format (Chat's system role).
_MARKERS = {
    "responses": (b'"messages"',),
    "chat": (b'"input"', b'"system":', b'"system" :', b'"stop_sequences"', b'"anthropic_version"',
             b'"input_schema"', b'"tool_use"', b'"tool_result"', b'"thinking"', b'"redacted_thinking"',
             b'"document"', b'"source"', b'"tool_choice"'),
    "claude": (b'"input"', b'"max_completion_tokens"', b'"response_format"', b'"stream_options"',
               b'"reasoning_effort"', b'"n"', b'"logprobs"', b'"frequency_penalty"', b'"presence_penalty"',
               b'"functions"', b'"function_call"', b'"function"', b':"system"', b': "system"', b'"developer"',
               b'"tool"', b'"tool_calls"', b'"tool_call_id"', b'"image_url"', b'"input_audio"', b'"file"',
               b'"required"', b'"none"'),
}


_MARKER_SCANS = {endpoint: re.compile(b"|".join(re.escape(m) for m in markers))
                 for endpoint, markers in _MARKERS.items()}


def might_move(endpoint: str, raw: bytes) -> bool:
    scan = _MARKER_SCANS.get(endpoint)  # one pass for all markers: small bodies cost a fraction of 13 scans
    return scan is not None and scan.search(raw) is not None


def _peek_json(endpoint: str):
    raw = request.get_data(cache=True)
    if not raw or not might_move(endpoint, raw) or request.headers.get("Content-Encoding", "").lower() == "gzip":
        return None  # gzip bodies keep the endpoint's format (decompressing twice is not worth it)
    if request.headers.get("Content-Type", "").startswith("multipart/"):
        return None
    try:
        body = orjson.loads(raw)
    except ValueError:
        return None
    g.peeked_body = (raw, body)
    return body


def parsed(raw: bytes):
    """``orjson.loads(raw)``, unless format detection has parsed these very bytes already (large agent bodies
    carry its markers: tool ``input``, ``tool_choice``)."""
    peeked = getattr(g, "peeked_body", None)
    if peeked is not None and peeked[0] is raw:
        return peeked[1]
    return orjson.loads(raw)


def serving_mode(mode: str) -> str | Response:
    """The relay mode to serve this request as, or a redirect to the endpoint of the body's real format."""
    settings = config.settings
    if mode not in ENDPOINTS or not settings.auto_detect_api_format:
        return mode
    real = real_format(mode, _peek_json(mode))
    if real is None:
        return mode
    if settings.auto_detect_api_format_action.strip().lower() == "redirect":
        target = ENDPOINTS[real]
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        return Response(status=307, headers={"Location": target})
    return real


def align_path(rr) -> None:
    """A re-routed request is sent upstream as if it had come to its own endpoint."""
    own = ENDPOINTS.get(rr.mode)
    if own is None:
        return
    path, sep, query = rr.path.partition("?")
    if path != own:
        rr.path = own + sep + query
