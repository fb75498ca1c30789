"""Cohere (channel type 35): native v2 Chat (tools, tool plans, streaming) and rerank.

Chat: ``POST {base}/v2/chat``; rerank: ``POST {base}/v2/rerank``; embeddings go to Cohere's OpenAI-compatible
``/compatibility/v1/embeddings``. Every call authenticates with ``Authorization: Bearer <key>``.

How v2 differs from OpenAI Chat: ``p``/``k`` instead of ``top_p``/``top_k``, ``stop_sequences``, ``tool_choice``
only ``REQUIRED``/``NONE``, a ``tool_plan`` text before tool calls and ``thinking`` content blocks of reasoning
models (both carried as reasoning; ``reasoning_effort`` becomes ``thinking`` enabled/disabled), usage under
``usage.billed_units`` / ``usage.tokens``, finish reasons in capitals, and a stream of typed events
(``message-start``, ``content-delta``, ``tool-plan-delta``, ``tool-call-start``/``-delta``, ``message-end``).
"""
from __future__ import annotations

import orjson

from oneapi.relay.providers.chat_bridge import BridgedCodec, chunk, completion, content_text, usage
from oneapi.relay.providers.openai_compatible import _split_path

TYPES = (35,)
DEFAULT_BASE_URL = "https://api.cohere.ai"

_FINISH = {"COMPLETE": "stop", "STOP_SEQUENCE": "stop", "MAX_TOKENS": "length", "TOOL_CALL": "tool_calls",
           "ERROR_TOXIC": "content_filter", "ERROR": "stop", "TIMEOUT": "stop", "ERROR_LIMIT": "length"}


# ---- request ----------------------------------------------------------------------------------------------

def _content(content):
    """Chat content -> Cohere content (a string, or text/image_url parts)."""
    if isinstance(content, str) or content is None:
        return content or ""
    parts = []
    for part in content:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text":
            parts.append({"type": "text", "text": part.get("text", "")})
        elif part.get("type") == "image_url":
            image = part.get("image_url") or {}
            url = {"url": image.get("url", "")}
            if image.get("detail"):
                url["detail"] = image["detail"]
            parts.append({"type": "image_url", "image_url": url})
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def _function_calls(calls: list) -> list[dict]:
    """Function tool calls in the shape both Chat and Cohere v2 use (arguments default to an empty object)."""
    return [{"id": c.get("id", ""), "type": "function",
             "function": {"name": (c.get("function") or {}).get("name", ""),
                          "arguments": (c.get("function") or {}).get("arguments") or "{}"}}
            for c in calls]


def _message(msg: dict) -> dict:
    role = msg.get("role")
    if role in ("system", "developer"):
        return {"role": "system", "content": content_text(msg.get("content"))}
    if role == "tool":
        return {"role": "tool", "tool_call_id": msg.get("tool_call_id", ""),
                "content": content_text(msg.get("content")) or ""}
    if role == "assistant":
        out = {"role": "assistant"}
        text = content_text(msg.get("content"))
        calls = msg.get("tool_calls") or []
        if calls:
            out["tool_calls"] = _function_calls(calls)
            plan = msg.get("reasoning_content") or text
            if plan:
                out["tool_plan"] = plan
        elif text:
            out["content"] = text
        return out
    return {"role": "user", "content": _content(msg.get("content"))}


def chat_to_cohere(body: dict) -> dict:
    """An OpenAI Chat body -> a Cohere v2 chat body."""
    out = {"model": body.get("model", ""), "messages": [_message(m) for m in body.get("messages") or []]}
    tools = [t for t in body.get("tools") or [] if t.get("type") == "function"]
    choice = body.get("tool_choice")
    if isinstance(choice, dict):  # one named function: Cohere can only require "a tool", so offer just that one
        name = (choice.get("function") or {}).get("name")
        tools = [t for t in tools if t["function"].get("name") == name] or tools
        choice = "required"
    if tools:
        out["tools"] = [{"type": "function", "function": {k: v for k, v in t["function"].items()
                                                          if k in ("name", "description", "parameters")}}
                        for t in tools]
        if choice in ("required", "none"):
            out["tool_choice"] = choice.upper()
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if limit:
        out["max_tokens"] = limit
    for src, dst in (("temperature", "temperature"), ("top_p", "p"), ("top_k", "k"), ("seed", "seed"),
                     ("frequency_penalty", "frequency_penalty"), ("presence_penalty", "presence_penalty")):
        if body.get(src) is not None:
            out[dst] = body[src]
    stop = body.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_object":
        out["response_format"] = {"type": "json_object"}
    elif fmt.get("type") == "json_schema":
        out["response_format"] = {"type": "json_object",
                                  "json_schema": (fmt.get("json_schema") or {}).get("schema") or {}}
    effort = body.get("reasoning_effort")
    if effort and reasons(out["model"]):  # other models refuse the field
        out["thinking"] = {"type": "disabled" if effort == "none" else "enabled"}
    if body.get("stream"):
        out["stream"] = True
    return out


def reasons(model: str) -> bool:
    """Cohere's reasoning models (command-a-reasoning-08-2025) think unless told not to; only they take
    ``thinking``."""
    return "reasoning" in model


# ---- answer -----------------------------------------------------------------------------------------------

def _usage(raw: dict | None) -> dict | None:
    if not isinstance(raw, dict):
        return None
    counts = raw.get("billed_units") or raw.get("tokens") or {}
    if not counts:
        return None
    return usage(int(counts.get("input_tokens") or 0), int(counts.get("output_tokens") or 0))


def cohere_to_chat(body: dict) -> dict:
    """A Cohere v2 chat answer -> an OpenAI Chat completion."""
    msg = body.get("message") or {}
    parts = msg.get("content") or []
    text = "".join(p.get("text", "") for p in parts if p.get("type") == "text")
    out: dict = {"content": text or None}
    calls = msg.get("tool_calls") or []
    if calls:
        out["tool_calls"] = _function_calls(calls)
    thought = "".join(p.get("thinking", "") for p in parts if p.get("type") == "thinking")
    if thought or msg.get("tool_plan"):
        out["reasoning_content"] = "\n\n".join(t for t in (thought, msg.get("tool_plan")) if t)
    finish = _FINISH.get(body.get("finish_reason") or "", "stop")
    if calls and finish == "stop":
        finish = "tool_calls"
    return completion(body.get("id", ""), body.get("model", ""), out, finish, _usage(body.get("usage")))


class StreamTranslator:
    """Cohere v2 stream events -> Chat chunks."""

    def __init__(self) -> None:
        self.id = ""
        self.saw_tools = False

    def feed(self, event: str | None, data: str) -> list:
        try:
            ev = orjson.loads(data)
        except ValueError:
            return []
        kind = ev.get("type") or event
        delta = (ev.get("delta") or {}).get("message") or {}
        if kind == "message-start":
            self.id = ev.get("id") or self.id
            return [chunk(self.id, "", {"role": "assistant", "content": ""})]
        if kind == "content-delta":
            content = delta.get("content") or {}
            if "thinking" in content:
                return [chunk(self.id, "", {"reasoning_content": content["thinking"]})]
            return [chunk(self.id, "", {"content": content.get("text", "")})]
        if kind == "tool-plan-delta":
            return [chunk(self.id, "", {"reasoning_content": delta.get("tool_plan", "")})]
        if kind == "tool-call-start":
            self.saw_tools = True
            call = delta.get("tool_calls") or {}
            fn = call.get("function") or {}
            return [chunk(self.id, "", {"tool_calls": [{"index": ev.get("index", 0), "id": call.get("id", ""),
                                                         "type": "function",
                                                         "function": {"name": fn.get("name", ""),
                                                                      "arguments": fn.get("arguments") or ""}}]})]
        if kind == "tool-call-delta":
            args = ((delta.get("tool_calls") or {}).get("function") or {}).get("arguments", "")
            call = {"index": ev.get("index", 0), "function": {"arguments": args}}
            return [chunk(self.id, "", {"tool_calls": [call]})]
        if kind == "message-end":
            end = ev.get("delta") or {}
            finish = _FINISH.get(end.get("finish_reason") or "", "stop")
            if self.saw_tools and finish == "stop":
                finish = "tool_calls"
            out = [chunk(self.id, "", {}, finish)]
            used = _usage(end.get("usage"))
            if used:
                out.append(chunk(self.id, "", usage=used))
            return out + ["[DONE]"]
        return []


CODEC_NAME = "cohere"
CODECS = {CODEC_NAME: BridgedCodec(CODEC_NAME, chat_to_cohere, cohere_to_chat, StreamTranslator)}


# ---- adaptor hooks ----------------------------------------------------------------------------------------

def _route(path: str) -> str:
    route, _ = _split_path(path)
    if route.endswith("/rerank"):
        return "rerank"
    if route.endswith("/embeddings"):
        return "embeddings"
    return "chat"


def body_format(model: str, mode: str) -> str | None:
    if mode in ("chat", "responses", "claude"):
        return CODEC_NAME
    if mode in ("rerank", "embeddings"):
        return "raw"
    return None


def target(channel, path: str, model: str, stream: bool):
    from oneapi.relay.providers import Target
    base = ((channel.base_url or "").strip() or DEFAULT_BASE_URL).rstrip("/")
    url = {"rerank": f"{base}/v2/rerank", "embeddings": f"{base}/compatibility/v1/embeddings"}.get(
        _route(path), f"{base}/v2/chat")
    return Target(url, {"Authorization": f"Bearer {channel.key or ''}"}, "native")


def prepare_body(channel, body: dict, model: str, stream: bool) -> bytes:
    """Rerank documents as plain strings (v2 takes no objects); everything else as encoded."""
    if "query" in body and isinstance(body.get("documents"), list):
        body["documents"] = [d.get("text", "") if isinstance(d, dict) else d for d in body["documents"]]
        if body.get("top_n") is None:
            body.pop("top_n", None)
    return orjson.dumps(body)
