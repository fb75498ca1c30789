"""OpenAI Chat Completions <-> IR.

Reasoning travels as ``reasoning_content`` (DeepSeek's field; ``reasoning`` and
``thinking`` are read too) with its signature in ``signature``; a Gemini
function-call signature travels as ``extra_content.google.thought_signature`` on
the tool call, as Google's own OpenAI-compatible endpoint does.
"""

from __future__ import annotations

import re
import time

from . import errors, ir, sse
from .stream_base import DecoderBase, EncoderBase

NATIVE = None  # Chat has no signing provider of its own: every signature is tagged

_FINISH_IN = {"stop": "stop", "length": "length", "tool_calls": "tool_calls",
              "function_call": "tool_calls", "content_filter": "content_filter",
              "max_tokens": "length", "eos": "stop"}
_FINISH_OUT = {"stop": "stop", "length": "length", "tool_calls": "tool_calls",
               "content_filter": "content_filter", "refusal": "content_filter",
               "pause": "length"}

_KNOWN = {
    "model", "messages", "tools", "functions", "tool_choice", "function_call",
    "parallel_tool_calls", "response_format", "temperature", "top_p", "top_k", "max_tokens",
    "max_completion_tokens", "stop", "seed", "presence_penalty", "frequency_penalty", "n",
    "reasoning_effort", "reasoning", "thinking", "stream", "stream_options", "user", "metadata",
}

# OpenAI reasoning models reject max_tokens and want max_completion_tokens.
_COMPLETION_TOKENS_MODELS = re.compile(r"^(o\d|gpt-5|gpt-4\.1|gpt-4o)")


# ---------------------------------------------------------------- request


def _content_parts(content) -> list:
    if content is None:
        return []
    if isinstance(content, str):
        return [ir.Text(content)] if content != "" else []
    parts = []
    for item in content:
        if isinstance(item, str):
            parts.append(ir.Text(item))
            continue
        kind = item.get("type")
        if kind in ("text", "input_text", "output_text"):
            parts.append(ir.Text(item.get("text", ""), cache_control=item.get("cache_control")))
        elif kind == "image_url":
            ref = item.get("image_url")
            url, detail = (ref, None) if isinstance(ref, str) else (ref.get("url", ""), ref.get("detail"))
            parts.append(ir.image_from_url(url, detail))
        elif kind == "file":
            file = item.get("file") or {}
            if file.get("file_data"):
                parts.append(ir.image_from_url(file["file_data"]))
        elif kind == "refusal":
            parts.append(ir.Refusal(item.get("refusal", "")))
    return parts


def _reasoning_text(msg: dict) -> str | None:
    for key in ("reasoning_content", "reasoning", "thinking"):
        value = msg.get(key)
        if isinstance(value, str):
            return value
    return None


def _decode_assistant(msg: dict) -> list:
    parts: list = []
    thought = _reasoning_text(msg)
    signature = msg.get("signature") or msg.get("reasoning_signature")
    for data in msg.get("redacted_thinking") or []:
        origin, raw = ir.untag_signature(data, NATIVE)
        parts.append(ir.Thinking(redacted=raw, origin=origin))
    if thought or signature:
        origin, raw = ir.untag_signature(signature, NATIVE) if signature else (None, None)
        parts.append(ir.Thinking(text=thought or "", signature=raw, origin=origin))
    parts.extend(_content_parts(msg.get("content")))
    if msg.get("refusal"):
        parts.append(ir.Refusal(msg["refusal"]))
    calls = msg.get("tool_calls") or []
    if msg.get("function_call"):
        calls = [{"id": "call_0", "function": msg["function_call"]}]
    for call in calls:
        fn = call.get("function") or {}
        sig = ((call.get("extra_content") or {}).get("google") or {}).get("thought_signature")
        parts.append(ir.ToolCall(id=call.get("id") or ir.new_id("call_"), name=fn.get("name", ""),
                                 arguments=fn.get("arguments") or "{}", signature=sig))
    return parts


def decode_request(body: dict) -> ir.Request:
    req = ir.Request(model=body.get("model", ""), source="chat")
    names: dict[str, str] = {}  # tool call id -> function name, for Gemini
    for msg in body.get("messages") or []:
        role = msg.get("role")
        if role in ("system", "developer"):
            req.system.extend(p for p in _content_parts(msg.get("content")) if isinstance(p, ir.Text))
        elif role == "assistant":
            parts = _decode_assistant(msg)
            for p in parts:
                if isinstance(p, ir.ToolCall):
                    names[p.id] = p.name
            req.messages.append(ir.Message("assistant", parts))
        elif role in ("tool", "function"):
            call_id = msg.get("tool_call_id") or msg.get("name") or ""
            result = ir.ToolResult(call_id=call_id, content=_content_parts(msg.get("content")),
                                   name=names.get(call_id) or msg.get("name"))
            last = req.messages[-1] if req.messages else None
            if last and last.role == "user" and all(isinstance(p, ir.ToolResult) for p in last.parts):
                last.parts.append(result)
            else:
                req.messages.append(ir.Message("user", [result]))
        else:
            req.messages.append(ir.Message("user", _content_parts(msg.get("content"))))

    tools = body.get("tools") or [{"type": "function", "function": f} for f in body.get("functions") or []]
    for tool in tools:
        if tool.get("type", "function") == "function":
            fn = tool.get("function") or {}
            req.tools.append(ir.Tool(name=fn.get("name", ""), description=fn.get("description"),
                                     parameters=fn.get("parameters"), strict=fn.get("strict")))
        else:
            req.tools.append(ir.Tool(name=tool.get("type", ""), builtin=tool))
    req.tool_choice = _decode_tool_choice(body.get("tool_choice", body.get("function_call")))
    req.parallel_tool_calls = body.get("parallel_tool_calls")

    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        js = fmt.get("json_schema") or {}
        req.response_format = ir.ResponseFormat("json_schema", name=js.get("name"), schema=js.get("schema"),
                                                strict=js.get("strict"), description=js.get("description"))
    elif fmt.get("type") == "json_object":
        req.response_format = ir.ResponseFormat("json_object")

    req.temperature = body.get("temperature")
    req.top_p = body.get("top_p")
    req.top_k = body.get("top_k")
    req.max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    stop = body.get("stop")
    req.stop = [stop] if isinstance(stop, str) else list(stop or [])
    req.seed = body.get("seed")
    req.presence_penalty = body.get("presence_penalty")
    req.frequency_penalty = body.get("frequency_penalty")
    req.n = body.get("n")
    req.reasoning = _decode_reasoning(body)
    req.stream = bool(body.get("stream"))
    req.include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    req.user = body.get("user")
    req.metadata = body.get("metadata")
    req.extra = {k: v for k, v in body.items() if k not in _KNOWN}
    return req


def _decode_tool_choice(value) -> ir.ToolChoice | None:
    if value is None:
        return None
    if isinstance(value, str):
        return ir.ToolChoice({"any": "required"}.get(value, value))
    name = (value.get("function") or {}).get("name") or value.get("name")
    return ir.ToolChoice("tool", name) if name else ir.ToolChoice("auto")


def _decode_reasoning(body: dict) -> ir.Reasoning | None:
    effort = body.get("reasoning_effort")
    extra = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    thinking = body.get("thinking") if isinstance(body.get("thinking"), dict) else {}
    if not (effort or extra or thinking):
        return None
    budget = extra.get("max_tokens") or thinking.get("budget_tokens")
    enabled = False if thinking.get("type") == "disabled" or extra.get("enabled") is False else None
    return ir.Reasoning(effort=effort or extra.get("effort"), budget_tokens=budget, enabled=enabled)


def _encode_content(parts: list):
    if all(isinstance(p, ir.Text) for p in parts) and len(parts) == 1:
        return parts[0].text
    out = []
    for p in parts:
        if isinstance(p, ir.Text):
            out.append({"type": "text", "text": p.text})
        elif isinstance(p, ir.Image):
            if p.media_type and not p.media_type.startswith("image/"):
                out.append({"type": "file", "file": {"file_data": p.data_url}})
            else:
                ref = {"url": p.data_url}
                if p.detail:
                    ref["detail"] = p.detail
                out.append({"type": "image_url", "image_url": ref})
    return out


def _encode_tool_call(call: ir.ToolCall) -> dict:
    out = {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
    if call.signature:
        out["extra_content"] = {"google": {"thought_signature": call.signature}}
    return out


def _assistant_message(parts: list, *, for_client: bool) -> dict:
    msg: dict = {"role": "assistant"}
    texts = [p.text for p in parts if isinstance(p, ir.Text)]
    msg["content"] = "".join(texts) if texts else None
    refusals = [p.text for p in parts if isinstance(p, ir.Refusal)]
    if for_client:
        msg["refusal"] = "".join(refusals) if refusals else None
    thoughts = [p for p in parts if isinstance(p, ir.Thinking) and not p.redacted]
    if not for_client:
        # upstream history: only reasoning a Chat provider produced itself (DeepSeek wants it back
        # on tool-call turns); signed reasoning of other providers means nothing there
        thoughts = [t for t in thoughts if t.origin is None and t.signature is None and t.text]
    if thoughts:
        msg["reasoning_content"] = "".join(t.text for t in thoughts)
        signed = [t for t in thoughts if t.signature]
        if signed and for_client:
            msg["signature"] = ir.tag_signature(signed[-1].origin, signed[-1].signature, NATIVE)
    redacted = [p for p in parts if isinstance(p, ir.Thinking) and p.redacted]
    if redacted and for_client:
        msg["redacted_thinking"] = [ir.tag_signature(p.origin, p.redacted, NATIVE) for p in redacted]
    images = [p for p in parts if isinstance(p, ir.Image)]
    if images and for_client:  # images the model made (Gemini image models), where OpenRouter puts them
        msg["images"] = [{"type": "image_url", "image_url": {"url": p.data_url}} for p in images]
    calls = [_encode_tool_call(p) for p in parts if isinstance(p, ir.ToolCall)]
    if calls:
        msg["tool_calls"] = calls
    elif msg["content"] is None and not for_client:
        msg["content"] = ""  # providers reject an assistant turn with neither content nor calls
    return msg


def _encode_messages(req: ir.Request) -> list:
    out = []
    if req.system:
        out.append({"role": "system", "content": req.system_text})
    for msg in req.messages:
        if msg.role == "assistant":
            out.append(_assistant_message(msg.parts, for_client=False))
            continue
        rest = []
        for p in msg.parts:
            if isinstance(p, ir.ToolResult):
                text = p.text if p.content else ""
                out.append({"role": "tool", "tool_call_id": p.call_id,
                            "content": ("Error: " + text) if p.is_error and text else text})
                rest.extend(i for i in p.content if isinstance(i, ir.Image))  # tool messages are text-only
            elif not isinstance(p, (ir.Thinking, ir.ToolCall)):
                rest.append(p)
        if rest:
            out.append({"role": "user", "content": _encode_content(rest)})
    return out


def encode_request(req: ir.Request) -> dict:
    body: dict = {"model": req.model, "messages": _encode_messages(req)}
    tools = [t for t in req.tools if t.builtin is None or req.source == "chat"]
    if tools:
        body["tools"] = [t.builtin if t.builtin else {"type": "function", "function": _function(t)}
                         for t in tools]
        if req.tool_choice:
            body["tool_choice"] = _encode_tool_choice(req.tool_choice)
        if req.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = req.parallel_tool_calls
    fmt = req.response_format
    if fmt and fmt.type == "json_schema":
        js = {"name": fmt.name or "response", "schema": fmt.schema or {}}
        if fmt.strict is not None:
            js["strict"] = fmt.strict
        if fmt.description:
            js["description"] = fmt.description
        body["response_format"] = {"type": "json_schema", "json_schema": js}
    elif fmt and fmt.type == "json_object":
        body["response_format"] = {"type": "json_object"}
    if req.max_tokens is not None:
        key = "max_completion_tokens" if _COMPLETION_TOKENS_MODELS.match(req.model) else "max_tokens"
        body[key] = req.max_tokens
    for key in ("temperature", "top_p", "seed", "presence_penalty", "frequency_penalty", "n", "user",
                "metadata"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.source == "chat" and req.top_k is not None:
        body["top_k"] = req.top_k
    if req.stop:
        body["stop"] = req.stop
    if req.reasoning is not None:
        effort = ir.effort_for(req.reasoning)
        if effort:
            body["reasoning_effort"] = effort
    if req.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}  # always: usage is needed for billing
    if req.source == "chat":
        body.update(req.extra)
    return body


def _function(tool: ir.Tool) -> dict:
    fn: dict = {"name": tool.name}
    if tool.description:
        fn["description"] = tool.description
    fn["parameters"] = tool.parameters or {"type": "object", "properties": {}}
    if tool.strict is not None:
        fn["strict"] = tool.strict
    return fn


def _encode_tool_choice(choice: ir.ToolChoice):
    if choice.mode == "tool":
        return {"type": "function", "function": {"name": choice.name}}
    return choice.mode


# ---------------------------------------------------------------- response


def decode_usage(u: dict | None) -> ir.Usage | None:
    if not u:
        return None
    prompt = (u.get("prompt_tokens_details") or {})
    completion = (u.get("completion_tokens_details") or {})
    cached = prompt.get("cached_tokens") or u.get("prompt_cache_hit_tokens") or 0
    return ir.Usage(
        input=u.get("prompt_tokens") or 0,
        output=u.get("completion_tokens") or 0,
        cache_read=cached,
        cache_write_5m=u.get("cache_write_5m_tokens") or prompt.get("cache_write_tokens") or 0,
        cache_write_1h=u.get("cache_write_1h_tokens") or 0,
        reasoning=completion.get("reasoning_tokens") or 0,
    )


def encode_usage(u: ir.Usage | None) -> dict:
    u = u or ir.Usage()
    out = {
        "prompt_tokens": u.input,
        "completion_tokens": u.output,
        "total_tokens": u.total,
        "prompt_tokens_details": {"cached_tokens": u.cache_read},
        "completion_tokens_details": {"reasoning_tokens": u.reasoning},
    }
    if u.cache_write_5m or u.cache_write_1h:
        out["cache_write_5m_tokens"] = u.cache_write_5m
        out["cache_write_1h_tokens"] = u.cache_write_1h
    return out


class ThinkTags:
    """Splits ``<think>...</think>`` that some providers put at the start of the
    content (DeepSeek-R1 style models without a reasoning parser) into reasoning."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self.state = "start"  # start -> inside -> after, or start -> after
        self.buf = ""
        self.trim = False

    def feed(self, text: str) -> list[tuple[str, str]]:
        self.buf += text
        out: list[tuple[str, str]] = []
        if self.state == "start":
            head = self.buf.lstrip()
            if head.startswith(self.OPEN):
                self.state, self.buf = "inside", head[len(self.OPEN):]
            elif self.OPEN.startswith(head):
                return out  # cannot tell yet
            else:
                self.state = "after"
        if self.state == "inside":
            end = self.buf.find(self.CLOSE)
            if end < 0:
                keep = next((k for k in range(len(self.CLOSE) - 1, 0, -1) if self.buf.endswith(self.CLOSE[:k])), 0)
                chunk, self.buf = self.buf[:len(self.buf) - keep], self.buf[len(self.buf) - keep:]
                return out + ([("thinking", chunk)] if chunk else [])
            if end:
                out.append(("thinking", self.buf[:end]))
            self.state, self.buf, self.trim = "after", self.buf[end + len(self.CLOSE):], True
        if self.state == "after" and self.trim:
            self.buf = self.buf.lstrip("\n")  # the newlines that follow </think>
            self.trim = not self.buf
        if self.state == "after" and self.buf:
            out.append(("text", self.buf))
            self.buf = ""
        return out

    def flush(self) -> list[tuple[str, str]]:
        rest, self.buf = self.buf, ""
        if not rest:
            return []
        return [("thinking" if self.state == "inside" else "text", rest)]


def _split_think(parts: list) -> list:
    out = []
    for p in parts:
        if isinstance(p, ir.Text):
            tags = ThinkTags()
            pieces = tags.feed(p.text) + tags.flush()
            out.extend(ir.Thinking(text=t) if kind == "thinking" else ir.Text(t) for kind, t in pieces)
        else:
            out.append(p)
    return out


def decode_response(body: dict, think_tags: bool = False) -> ir.Response:
    choice = (body.get("choices") or [{}])[0]
    msg = choice.get("message") or {}
    parts = _decode_assistant(msg)
    if think_tags:
        parts = _split_think(parts)
    reason = choice.get("finish_reason")
    return ir.Response(
        id=body.get("id", ""), model=body.get("model", ""), parts=parts,
        finish=_FINISH_IN.get(reason, "stop") if reason else None,
        usage=decode_usage(body.get("usage")), created=body.get("created"),
    )


def _finish_out(resp_finish: str | None, has_tools: bool) -> str:
    if resp_finish is None:
        return "tool_calls" if has_tools else "stop"
    return _FINISH_OUT.get(resp_finish, "stop")


def encode_response(resp: ir.Response, req: ir.Request) -> dict:
    return {
        "id": resp.id or ir.new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": resp.created or int(time.time()),
        "model": resp.model or req.model,
        "choices": [{
            "index": 0,
            "message": _assistant_message(resp.parts, for_client=True),
            "logprobs": None,
            "finish_reason": _finish_out(resp.finish, bool(resp.tool_calls)),
        }],
        "usage": encode_usage(resp.usage),
    }


# ---------------------------------------------------------------- errors


def encode_error(status: int, message: str, type: str | None = None, code: str | None = None) -> dict:
    return errors.openai_body(status, message, type, code)


def decode_error(status: int, body: bytes) -> ir.Error:
    return errors.decode_any(status, body)


# ---------------------------------------------------------------- stream


class StreamDecoder(DecoderBase):
    """Chat chunks -> IR events. Chat has no part boundaries, so parts are opened
    when their kind of delta starts and closed when another kind begins."""

    def __init__(self, think_tags: bool = False) -> None:
        super().__init__()
        self._think = ThinkTags() if think_tags else None
        self._started = False
        self._tools: dict = {}  # chat tool index -> IR index
        self._tool_ids: dict[int, str | None] = {}
        self._done = False

    def feed(self, event: str | None, data: str) -> list:
        data = data.strip()
        if not data:
            return []
        if data == "[DONE]":
            self._done = True
            return []
        chunk = sse.loads(data)
        if not isinstance(chunk, dict):
            return []
        out: list = []
        if chunk.get("error"):
            err = chunk["error"] if isinstance(chunk["error"], dict) else {"message": str(chunk["error"])}
            self._errored = True
            return self._close_part() + [ir.ErrorEvent(message=err.get("message", ""), type=err.get("type"),
                                                       code=_str(err.get("code")))]
        if not self._started:
            self._started = True
            out.append(ir.MessageStart(id=chunk.get("id", ""), model=chunk.get("model", "")))
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            out.extend(self._delta(choice.get("delta") or {}))
            if choice.get("finish_reason"):
                out.extend(self._flush_think() + self._close_part())
                self._finished = True
                out.append(ir.Finish(_FINISH_IN.get(choice["finish_reason"], "stop")))
        usage = decode_usage(chunk.get("usage"))
        if usage:
            out.append(ir.UsageEvent(usage))
        return out

    def _delta(self, delta: dict) -> list:
        out: list = []
        thought = _reasoning_text(delta)
        if thought:
            events, index = self._ensure("thinking")
            out += events + [ir.ThinkingDelta(index, thought)]
        if delta.get("signature"):
            origin, raw = ir.untag_signature(delta["signature"], NATIVE)
            events, index = self._ensure("thinking")
            out += events + [ir.SignatureDelta(index, raw, origin=origin)]
        if delta.get("content"):
            pieces = self._think.feed(delta["content"]) if self._think else [("text", delta["content"])]
            out += self._pieces(pieces)
        if delta.get("refusal"):
            events, index = self._ensure("refusal")
            out += events + [ir.TextDelta(index, delta["refusal"])]
        for call in delta.get("tool_calls") or []:
            pos = call.get("index", 0)
            fn = call.get("function") or {}
            if call.get("id") and pos in self._tools and self._tool_ids.get(pos) != call["id"]:
                # a provider that leaves every parallel call at index 0: a new id is a new call
                self._tools[("moved", len(self._tools), pos)] = self._tools.pop(pos)
            if pos not in self._tools:
                self._tool_ids[pos] = call.get("id")
                sig = ((call.get("extra_content") or {}).get("google") or {}).get("thought_signature")
                events, index = self._open("tool_call", tool_id=call.get("id") or ir.new_id("call_"),
                                           tool_name=fn.get("name", ""), signature=sig)
                self._tools[pos] = index
                out += events
            if fn.get("arguments"):
                out.append(ir.ToolArgsDelta(self._tools[pos], fn["arguments"]))
        return out

    def _pieces(self, pieces) -> list:
        out: list = []
        for kind, text in pieces:
            events, index = self._ensure(kind)
            out += events + [ir.ThinkingDelta(index, text) if kind == "thinking" else ir.TextDelta(index, text)]
        return out

    def _flush_think(self) -> list:
        return self._pieces(self._think.flush()) if self._think else []

    def close(self) -> list:
        out = self._flush_think() + self._close_part()
        if self._done and not (self._errored or self._finished):
            # a complete stream that simply omitted finish_reason
            return out + [ir.Finish("tool_calls" if self._tools else "stop")]
        return self._end(out)


class StreamTap(DecoderBase):
    """A relayed (unconverted) Chat stream read for billing: the text it delivers, its usage and whether it ended
    properly, read from each chunk as ``StreamDecoder`` reads it but without building IR events, since it runs
    once per chunk of every passthrough stream."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.usage: ir.Usage | None = None
        self._done = False

    def feed(self, event: str | None, data: str) -> None:
        data = data.strip()
        if not data:
            return
        if data == "[DONE]":
            self._done = True
            return
        chunk = sse.loads(data)
        if not isinstance(chunk, dict):
            return
        if chunk.get("error"):
            self._errored = True
            return
        texts: list = []
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            texts += [t for t in (_reasoning_text(delta), delta.get("content"), delta.get("refusal")) if t]
            for call in delta.get("tool_calls") or []:
                arguments = (call.get("function") or {}).get("arguments")
                if arguments:
                    texts.append(arguments)
            if choice.get("finish_reason"):
                self._finished = True
        self.text += texts
        usage = decode_usage(chunk.get("usage"))
        if usage:
            self.usage = usage

    def close(self) -> list:
        """The error event of a stream cut short (as ``StreamDecoder.close`` has it), else nothing."""
        return [] if self._done else self._end([])


def _str(value):
    return None if value is None else str(value)


class StreamEncoder(EncoderBase):
    def __init__(self, req: ir.Request, response_id: str, created: int) -> None:
        super().__init__(req, response_id, created)
        self._started = False
        self._kinds: dict[int, str] = {}
        self._tool_pos: dict[int, int] = {}
        self._origins: dict[int, str | None] = {}

    def _chunk(self, delta: dict, finish_reason=None, *, usage=None, choices=True) -> bytes:
        body = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model}
        body["choices"] = [{"index": 0, "delta": delta, "logprobs": None,
                            "finish_reason": finish_reason}] if choices else []
        if usage is not None:
            body["usage"] = usage
        return sse.frame(body)

    def _on_start(self, ev=None) -> bytes:
        if self._started:
            return b""
        self._started = True
        return self._chunk({"role": "assistant", "content": "", "refusal": None})

    def _on_part(self, ev) -> bytes:
        out = self._on_start()
        if isinstance(ev, ir.PartStart):
            self._kinds[ev.index] = ev.kind
            self._origins[ev.index] = ev.origin
            if ev.kind == "tool_call":
                pos = self._tool_pos[ev.index] = len(self._tool_pos)
                call = {"index": pos, "id": ev.tool_id, "type": "function",
                        "function": {"name": ev.tool_name, "arguments": ""}}
                if ev.signature:
                    call["extra_content"] = {"google": {"thought_signature": ev.signature}}
                out += self._chunk({"tool_calls": [call]})
            elif ev.kind == "redacted_thinking" and ev.data:
                out += self._chunk({"redacted_thinking": ir.tag_signature(ev.origin, ev.data, NATIVE)})
        elif isinstance(ev, ir.TextDelta):
            key = "refusal" if self._kinds.get(ev.index) == "refusal" else "content"
            out += self._chunk({key: ev.text})
        elif isinstance(ev, ir.ThinkingDelta):
            out += self._chunk({"reasoning_content": ev.text})
        elif isinstance(ev, ir.SignatureDelta):
            origin = ev.origin or self._origins.get(ev.index)
            out += self._chunk({"signature": ir.tag_signature(origin, ev.signature, NATIVE)})
        elif isinstance(ev, ir.ToolArgsDelta):
            pos = self._tool_pos.get(ev.index)
            if pos is not None:
                out += self._chunk({"tool_calls": [{"index": pos, "function": {"arguments": ev.json}}]})
        elif isinstance(ev, ir.ImageOutput):  # as in a whole answer's message.images
            url = ir.Image(data=ev.data, media_type=ev.media_type).data_url
            out += self._chunk({"images": [{"type": "image_url", "image_url": {"url": url}}]})
        return out

    def _closing(self) -> bytes:
        out = self._on_start()
        reason = _finish_out(self._finish.reason if self._finish else None, bool(self._tool_pos))
        out += self._chunk({}, reason)
        if self.req.include_usage:
            out += self._chunk({}, usage=encode_usage(self._usage), choices=False)
        return out + b"data: [DONE]\n\n"

    def _error(self, status: int, message: str) -> bytes:
        return sse.frame(encode_error(status, message)) + b"data: [DONE]\n\n"
