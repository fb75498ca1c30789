"""Anthropic Messages <-> IR.

Structured output is sent to Claude as a forced tool (``STRUCTURED_TOOL``); the
tool's input comes back to the client as JSON text. Token counts are converted:
Claude's ``input_tokens`` excludes cache reads and writes, the IR's includes them.
"""

from __future__ import annotations

import json

from . import errors, ir, sse
from .stream_base import DecoderBase, EncoderBase

NATIVE = "anthropic"
STRUCTURED_TOOL = "structured_output"
DEFAULT_MAX_TOKENS = 4096

_STOP_IN = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
            "tool_use": "tool_calls", "pause_turn": "pause", "refusal": "refusal",
            "model_context_window_exceeded": "length"}
_STOP_OUT = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
             "content_filter": "refusal", "refusal": "refusal", "pause": "pause_turn"}

_KNOWN = {"model", "system", "messages", "tools", "tool_choice", "max_tokens", "temperature", "top_p",
          "top_k", "stop_sequences", "stream", "metadata", "thinking", "output_config", "output_format"}


# ---------------------------------------------------------------- request


def _media(source: dict, kind: str, cache_control) -> ir.Part | None:
    stype = source.get("type")
    if stype == "base64":
        return ir.Image(data=source.get("data", ""), media_type=source.get("media_type"),
                        cache_control=cache_control)
    if stype == "url":
        media = "application/pdf" if kind == "document" else None
        return ir.Image(url=source.get("url", ""), media_type=media, cache_control=cache_control)
    if stype == "text":
        return ir.Text(source.get("data", ""), cache_control=cache_control)
    return None


def _decode_blocks(content, role: str) -> list:
    if isinstance(content, str):
        return [ir.Text(content)] if content else []
    parts: list = []
    pending_call_sig = None
    for block in content or []:
        kind = block.get("type")
        cc = block.get("cache_control")
        if kind == "text":
            parts.append(ir.Text(block.get("text", ""), cache_control=cc))
        elif kind in ("image", "document"):
            part = _media(block.get("source") or {}, kind, cc)
            if part is not None:
                parts.append(part)
        elif kind == "tool_use":
            parts.append(ir.ToolCall(id=block.get("id", ""), name=block.get("name", ""),
                                     arguments=json.dumps(block.get("input") or {}, ensure_ascii=False),
                                     signature=pending_call_sig, cache_control=cc))
            pending_call_sig = None
        elif kind == "tool_result":
            inner = block.get("content")
            result = _decode_blocks(inner, "user") if inner is not None else []
            parts.append(ir.ToolResult(call_id=block.get("tool_use_id", ""), is_error=bool(block.get("is_error")),
                                       content=[p for p in result if isinstance(p, (ir.Text, ir.Image))],
                                       cache_control=cc))
        elif kind == "thinking":
            origin, sig = ir.untag_signature(block.get("signature") or "", NATIVE)
            if origin == ir.GEMINI_CALL_TAG:
                pending_call_sig = sig  # carried for the tool_use that follows
                continue
            parts.append(ir.Thinking(text=block.get("thinking", ""), signature=sig or None, origin=origin))
        elif kind == "redacted_thinking":
            origin, data = ir.untag_signature(block.get("data", ""), NATIVE)
            parts.append(ir.Thinking(redacted=data, origin=origin))
    return parts


def decode_request(body: dict) -> ir.Request:
    req = ir.Request(model=body.get("model", ""), source="claude")
    system = body.get("system")
    if isinstance(system, str):
        req.system = [ir.Text(system)] if system else []
    elif system:
        req.system = [ir.Text(b.get("text", ""), cache_control=b.get("cache_control")) for b in system
                      if b.get("type") == "text"]
    names: dict[str, str] = {}
    for msg in body.get("messages") or []:
        role = "assistant" if msg.get("role") == "assistant" else "user"
        parts = _decode_blocks(msg.get("content"), role)
        for p in parts:
            if isinstance(p, ir.ToolCall):
                names[p.id] = p.name
            elif isinstance(p, ir.ToolResult):
                p.name = names.get(p.call_id)
        req.messages.append(ir.Message(role, parts))
    for tool in body.get("tools") or []:
        if "input_schema" in tool or tool.get("type") in (None, "custom"):
            req.tools.append(ir.Tool(name=tool.get("name", ""), description=tool.get("description"),
                                     parameters=tool.get("input_schema"), strict=tool.get("strict"),
                                     cache_control=tool.get("cache_control")))
        else:
            req.tools.append(ir.Tool(name=tool.get("name", tool.get("type", "")), builtin=tool))
    choice = body.get("tool_choice")
    if choice:
        mode = {"any": "required", "tool": "tool"}.get(choice.get("type"), choice.get("type", "auto"))
        req.tool_choice = ir.ToolChoice(mode, choice.get("name"))
        if choice.get("disable_parallel_tool_use"):
            req.parallel_tool_calls = False
    out_cfg = body.get("output_config") or {}
    fmt = out_cfg.get("format") or body.get("output_format")
    if fmt and fmt.get("type") == "json_schema":
        req.response_format = ir.ResponseFormat("json_schema", name=fmt.get("name"), schema=fmt.get("schema"),
                                                strict=True)
    thinking = body.get("thinking") or {}
    if thinking or out_cfg.get("effort"):
        ttype = thinking.get("type")
        effort = out_cfg.get("effort")
        req.reasoning = ir.Reasoning(
            effort="xhigh" if effort == "max" else effort, budget_tokens=thinking.get("budget_tokens"),
            include_thoughts=(ttype in ("enabled", "adaptive") and thinking.get("display") != "omitted") or None,
            enabled=False if ttype == "disabled" else (True if ttype else None))
    req.max_tokens = body.get("max_tokens")
    req.temperature = body.get("temperature")
    req.top_p = body.get("top_p")
    req.top_k = body.get("top_k")
    req.stop = list(body.get("stop_sequences") or [])
    req.stream = bool(body.get("stream"))
    req.include_usage = True
    metadata = body.get("metadata") or {}
    req.user = metadata.get("user_id")
    req.extra = {k: v for k, v in body.items() if k not in _KNOWN}
    return req


def _encode_media(p: ir.Image) -> dict:
    kind = "document" if p.media_type == "application/pdf" else "image"
    if p.data is not None:
        source = {"type": "base64", "media_type": p.media_type or "image/png", "data": p.data}
    else:
        source = {"type": "url", "url": p.url or ""}
    block = {"type": kind, "source": source}
    if p.cache_control:
        block["cache_control"] = p.cache_control
    return block


def _with_cache(block: dict, part) -> dict:
    if getattr(part, "cache_control", None):
        block["cache_control"] = part.cache_control
    return block


def _tool_input(arguments: str) -> dict:
    value = ir.json_loads_or(arguments, {})
    return value if isinstance(value, dict) else {"value": value}


def _encode_parts(parts: list, role: str) -> list:
    results, blocks = [], []
    for p in parts:
        if isinstance(p, ir.Text):
            if p.text:
                blocks.append(_with_cache({"type": "text", "text": p.text}, p))
        elif isinstance(p, ir.Refusal):
            if p.text:
                blocks.append({"type": "text", "text": p.text})
        elif isinstance(p, ir.Image):
            blocks.append(_encode_media(p))
        elif isinstance(p, ir.ToolCall):
            blocks.append(_with_cache({"type": "tool_use", "id": p.id, "name": p.name,
                                       "input": _tool_input(p.arguments)}, p))
        elif isinstance(p, ir.ToolResult):
            content = [{"type": "text", "text": i.text} if isinstance(i, ir.Text) else _encode_media(i)
                       for i in p.content if not (isinstance(i, ir.Text) and not i.text)]
            block = {"type": "tool_result", "tool_use_id": p.call_id, "content": content}
            if p.is_error:
                block["is_error"] = True
            results.append(_with_cache(block, p))  # tool results must lead the user turn
        elif isinstance(p, ir.Thinking) and role == "assistant" and p.origin in (NATIVE, None):
            # only signatures Anthropic issued can be verified; others are dropped
            if p.redacted:
                blocks.append({"type": "redacted_thinking", "data": p.redacted})
            elif p.signature:
                blocks.append({"type": "thinking", "thinking": p.text, "signature": p.signature})
    return results + blocks


def _structured_tool(fmt: ir.ResponseFormat) -> dict:
    schema = fmt.schema if fmt.type == "json_schema" and fmt.schema else {"type": "object"}
    desc = fmt.description or "Give the final answer as a JSON object matching this schema."
    return {"name": STRUCTURED_TOOL, "description": desc, "input_schema": schema}


def _encode_messages(messages: list) -> list:
    out: list = []
    for msg in messages:
        blocks = _encode_parts(msg.parts, msg.role)
        if not blocks:
            continue
        prev = out[-1]["content"] if out and out[-1]["role"] == msg.role else None
        starts_with_results = blocks[0]["type"] == "tool_result"
        if prev is not None and not (starts_with_results and any(b["type"] != "tool_result" for b in prev)):
            prev.extend(blocks)  # Claude wants alternating turns
        else:
            out.append({"role": msg.role, "content": blocks})
    return out


def _encode_tools(req: ir.Request, thinking: dict | None) -> tuple[list, dict | None, dict | None, str | None]:
    """-> (tools, tool_choice, thinking, system note), settling structured output and
    thinking, which Claude does not allow together with a forced tool."""
    tools = [t.builtin if t.builtin else _encode_tool(t) for t in req.tools
             if t.builtin is None or req.source == "claude"]
    client_tools = bool(tools)
    choice = _encode_tool_choice(req.tool_choice) if req.tool_choice else None
    note = None
    fmt = req.response_format
    if fmt and fmt.type in ("json_schema", "json_object"):
        tools.append(_structured_tool(fmt))
        if thinking:
            choice, note = {"type": "auto"}, f"Always answer by calling the {STRUCTURED_TOOL} tool."
        elif choice and choice["type"] == "tool":
            pass  # the client's own forced call comes first
        elif client_tools and (choice is None or choice["type"] in ("auto", "any")):
            choice = {"type": "any"}  # a real tool or the final answer
        else:
            choice = {"type": "tool", "name": STRUCTURED_TOOL}
    elif thinking and choice and choice["type"] in ("any", "tool"):
        thinking = None  # the client's forced call wins over thinking
    if not tools:
        return [], None, thinking, note
    if req.parallel_tool_calls is False:
        choice = choice or {"type": "auto"}
        if choice["type"] != "none":
            choice["disable_parallel_tool_use"] = True
    return tools, choice, thinking, note


def encode_request(req: ir.Request) -> dict:
    body: dict = {"model": req.model, "messages": _encode_messages(req.messages)}
    tools, choice, thinking, note = _encode_tools(req, _encode_thinking(req))
    if tools:
        body["tools"] = tools
        if choice:
            body["tool_choice"] = choice
    system_blocks = [_with_cache({"type": "text", "text": p.text}, p) for p in req.system if p.text]
    if note:
        system_blocks.append({"type": "text", "text": note})
    if system_blocks:
        cached = any("cache_control" in b for b in system_blocks)
        body["system"] = system_blocks if cached else "\n\n".join(b["text"] for b in system_blocks)

    max_tokens = req.max_tokens or DEFAULT_MAX_TOKENS
    if thinking:
        budget = thinking.get("budget_tokens")
        if budget and max_tokens <= budget:  # Claude requires max_tokens > budget
            max_tokens = budget + (req.max_tokens or DEFAULT_MAX_TOKENS)
        body["thinking"] = thinking
    elif req.reasoning and req.reasoning.enabled is False:
        body["thinking"] = {"type": "disabled"}
    body["max_tokens"] = max_tokens
    if not thinking:  # thinking requires default sampling
        if req.temperature is not None:
            body["temperature"] = min(req.temperature, 1.0)
        elif req.top_p is not None:  # newer Claude models reject temperature and top_p together
            body["top_p"] = req.top_p
        if req.top_k is not None:
            body["top_k"] = req.top_k
    if req.stop:
        body["stop_sequences"] = req.stop
    if req.user:
        body["metadata"] = {"user_id": req.user}
    if req.stream:
        body["stream"] = True
    if req.source == "claude":
        body.update(req.extra)
    return body


def _encode_tool(tool: ir.Tool) -> dict:
    out: dict = {"name": tool.name}
    if tool.description:
        out["description"] = tool.description
    out["input_schema"] = tool.parameters or {"type": "object", "properties": {}}
    return _with_cache(out, tool)


def _encode_thinking(req: ir.Request) -> dict | None:
    if not ir.reasoning_wanted(req.reasoning):
        return None
    budget = max(1024, ir.budget_for(req.reasoning) or 1024)
    return {"type": "enabled", "budget_tokens": budget}


def _encode_tool_choice(choice: ir.ToolChoice) -> dict:
    if choice.mode == "tool":
        return {"type": "tool", "name": choice.name}
    return {"type": {"required": "any"}.get(choice.mode, choice.mode)}


# ---------------------------------------------------------------- response


def decode_usage(u: dict | None) -> ir.Usage | None:
    if not u:
        return None
    read = u.get("cache_read_input_tokens") or 0
    write = u.get("cache_creation_input_tokens") or 0
    split = u.get("cache_creation") or {}
    w1h = split.get("ephemeral_1h_input_tokens") or 0
    w5m = split.get("ephemeral_5m_input_tokens") if split else None
    if w5m is None:
        w5m = max(write - w1h, 0)
    return ir.Usage(input=(u.get("input_tokens") or 0) + read + w5m + w1h, output=u.get("output_tokens") or 0,
                    cache_read=read, cache_write_5m=w5m, cache_write_1h=w1h,
                    reasoning=(u.get("output_tokens_details") or {}).get("thinking_tokens") or 0)


def encode_usage(u: ir.Usage | None) -> dict:
    u = u or ir.Usage()
    return {
        "input_tokens": max(u.input - u.cache_read - u.cache_write, 0),
        "output_tokens": u.output,
        "cache_creation_input_tokens": u.cache_write,
        "cache_read_input_tokens": u.cache_read,
        "cache_creation": {"ephemeral_5m_input_tokens": u.cache_write_5m,
                           "ephemeral_1h_input_tokens": u.cache_write_1h},
    }


def _finish_in(stop_reason: str | None, real_tools: bool) -> str | None:
    if stop_reason is None:
        return None
    if stop_reason == "tool_use" and not real_tools:
        return "stop"  # the only tool call was the structured-output answer
    return _STOP_IN.get(stop_reason, "stop")


def decode_response(body: dict) -> ir.Response:
    parts = []
    for p in _decode_blocks(body.get("content") or [], "assistant"):
        if isinstance(p, ir.ToolCall) and p.name == STRUCTURED_TOOL:
            p = ir.Text(p.arguments)
        parts.append(p)
    real_tools = any(isinstance(p, ir.ToolCall) for p in parts)
    return ir.Response(id=body.get("id", ""), model=body.get("model", ""), parts=parts,
                       finish=_finish_in(body.get("stop_reason"), real_tools),
                       stop_sequence=body.get("stop_sequence"), usage=decode_usage(body.get("usage")))


def _stop_out(finish: str | None, has_tools: bool, stop_sequence: str | None) -> str:
    if finish is None:
        return "tool_use" if has_tools else "end_turn"
    if finish == "stop" and stop_sequence:
        return "stop_sequence"
    return _STOP_OUT.get(finish, "end_turn")


def _encode_out_blocks(parts: list) -> list:
    blocks = []
    for p in parts:
        if isinstance(p, ir.Thinking):
            if p.redacted:
                blocks.append({"type": "redacted_thinking", "data": ir.tag_signature(p.origin, p.redacted, NATIVE)})
            else:
                sig = ir.tag_signature(p.origin, p.signature, NATIVE) if p.signature else ""
                blocks.append({"type": "thinking", "thinking": p.text, "signature": sig})
        elif isinstance(p, (ir.Text, ir.Refusal)):
            blocks.append({"type": "text", "text": p.text})
        elif isinstance(p, ir.ToolCall):
            if p.signature:
                blocks.append({"type": "thinking", "thinking": "",
                               "signature": ir.tag_signature(ir.GEMINI_CALL_TAG, p.signature, NATIVE)})
            blocks.append({"type": "tool_use", "id": p.id, "name": p.name, "input": _tool_input(p.arguments)})
    return blocks


def encode_response(resp: ir.Response, req: ir.Request) -> dict:
    return {
        "id": resp.id if resp.id.startswith("msg_") else ir.new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": resp.model or req.model,
        "content": _encode_out_blocks(resp.parts),
        "stop_reason": _stop_out(resp.finish, bool(resp.tool_calls), resp.stop_sequence),
        "stop_sequence": resp.stop_sequence,
        "usage": encode_usage(resp.usage),
    }


# ---------------------------------------------------------------- errors


def encode_error(status: int, message: str, type: str | None = None, code: str | None = None) -> dict:
    return {"type": "error", "error": {"type": type or errors.anthropic_type(status), "message": message}}


def decode_error(status: int, body: bytes) -> ir.Error:
    return errors.decode_any(status, body)


# ---------------------------------------------------------------- stream


class StreamDecoder(DecoderBase):
    error_type = "api_error"

    def __init__(self) -> None:
        super().__init__()
        self._blocks: dict[int, tuple[int, str]] = {}  # claude index -> (ir index, kind)
        self._usage = ir.Usage()
        self._real_tools = False

    def feed(self, event: str | None, data: str) -> list:
        if not data.strip():
            return []
        msg = sse.loads(data)
        if not isinstance(msg, dict):
            return []
        kind = msg.get("type") or event
        if kind == "message_start":
            m = msg.get("message") or {}
            self._usage = decode_usage(m.get("usage")) or ir.Usage()
            return [ir.MessageStart(id=m.get("id", ""), model=m.get("model", ""), usage=self._usage)]
        if kind == "content_block_start":
            return self._start(msg.get("index", 0), msg.get("content_block") or {})
        if kind == "content_block_delta":
            return self._delta(msg.get("index", 0), msg.get("delta") or {})
        if kind == "content_block_stop":
            mapped = self._blocks.pop(msg.get("index", 0), None)
            return [ir.PartStop(mapped[0])] if mapped else []
        if kind == "message_delta":
            out = []
            usage = msg.get("usage") or {}
            merged = decode_usage({**encode_usage(self._usage), **{k: v for k, v in usage.items() if v is not None}})
            merged.reasoning = merged.reasoning or self._usage.reasoning
            self._usage = merged
            out.append(ir.UsageEvent(merged))
            delta = msg.get("delta") or {}
            if delta.get("stop_reason"):
                self._finished = True
                out.insert(0, ir.Finish(_finish_in(delta["stop_reason"], self._real_tools),
                                        delta.get("stop_sequence")))
            return out
        if kind == "message_stop":
            return []
        if kind == "error":
            err = msg.get("error") or {}
            self._errored = True
            status = 529 if err.get("type") == "overloaded_error" else 500
            return [ir.ErrorEvent(message=err.get("message", ""), type=err.get("type"), status=status)]
        return []  # ping and unknown events

    def _start(self, index: int, block: dict) -> list:
        btype = block.get("type")
        ir_index = self._next
        if btype == "text":
            start, first = ir.PartStart(ir_index, "text"), block.get("text")
            follow = [ir.TextDelta(ir_index, first)] if first else []
        elif btype == "thinking":
            start, follow = ir.PartStart(ir_index, "thinking", origin=NATIVE), []
            if block.get("thinking"):
                follow.append(ir.ThinkingDelta(ir_index, block["thinking"]))
            if block.get("signature"):
                follow.append(ir.SignatureDelta(ir_index, block["signature"]))
        elif btype == "redacted_thinking":
            start, follow = ir.PartStart(ir_index, "redacted_thinking", data=block.get("data"), origin=NATIVE), []
        elif btype == "tool_use" and block.get("name") == STRUCTURED_TOOL:
            start, follow, btype = ir.PartStart(ir_index, "text"), [], "structured"
        elif btype == "tool_use":
            self._real_tools = True
            start, follow = ir.PartStart(ir_index, "tool_call", tool_id=block.get("id"),
                                         tool_name=block.get("name")), []
        else:
            return []  # server tool blocks have no IR counterpart
        self._next += 1
        self._blocks[index] = (ir_index, btype)
        return [start] + follow

    def _delta(self, index: int, delta: dict) -> list:
        mapped = self._blocks.get(index)
        if not mapped:
            return []
        ir_index, btype = mapped
        dtype = delta.get("type")
        if dtype == "text_delta":
            return [ir.TextDelta(ir_index, delta.get("text", ""))]
        if dtype == "input_json_delta":
            text = delta.get("partial_json", "")
            if not text:
                return []
            return [ir.TextDelta(ir_index, text) if btype == "structured" else ir.ToolArgsDelta(ir_index, text)]
        if dtype == "thinking_delta":
            return [ir.ThinkingDelta(ir_index, delta.get("thinking", ""))]
        if dtype == "signature_delta":
            return [ir.SignatureDelta(ir_index, delta.get("signature", ""))]
        return []

    def close(self) -> list:
        out = [ir.PartStop(i) for i, _ in self._blocks.values()]
        self._blocks.clear()
        return self._end(out)


class StreamEncoder(EncoderBase):
    def __init__(self, req: ir.Request, response_id: str, created: int) -> None:
        super().__init__(req, response_id if response_id.startswith("msg_") else "msg_" + response_id, created)
        self._started = False
        self._open: int | None = None  # IR index of the open block
        self._block_of: dict[int, int] = {}  # IR index -> claude index
        self._origins: dict[int, str | None] = {}
        self._next = 0
        self._has_tools = False

    def _on_start(self, ev=None) -> bytes:
        if self._started:
            return b""
        self._started = True
        start_usage = encode_usage(self._usage)
        message = {"id": self.id, "type": "message", "role": "assistant", "model": self.model, "content": [],
                   "stop_reason": None, "stop_sequence": None, "usage": start_usage}
        return (sse.frame({"type": "message_start", "message": message}, "message_start")
                + sse.frame({"type": "ping"}, "ping"))

    def _block_start(self, block: dict) -> tuple[bytes, int]:
        index = self._next
        self._next += 1
        return sse.frame({"type": "content_block_start", "index": index, "content_block": block},
                         "content_block_start"), index

    def _block_stop(self, index: int) -> bytes:
        return sse.frame({"type": "content_block_stop", "index": index}, "content_block_stop")

    def _delta(self, index: int, delta: dict) -> bytes:
        return sse.frame({"type": "content_block_delta", "index": index, "delta": delta}, "content_block_delta")

    def _close_open(self) -> bytes:
        if self._open is None:
            return b""
        index = self._block_of[self._open]
        self._open = None
        return self._block_stop(index)

    def _on_part(self, ev) -> bytes:
        out = self._on_start()
        if isinstance(ev, ir.PartStart):
            out += self._close_open()
            self._origins[ev.index] = ev.origin
            if ev.kind == "tool_call":
                self._has_tools = True
                if ev.signature:  # Gemini call signature rides on an empty thinking block
                    frame, idx = self._block_start({"type": "thinking", "thinking": "", "signature": ""})
                    sig = ir.tag_signature(ir.GEMINI_CALL_TAG, ev.signature, NATIVE)
                    out += frame + self._delta(idx, {"type": "signature_delta", "signature": sig})
                    out += self._block_stop(idx)
                block = {"type": "tool_use", "id": ev.tool_id, "name": ev.tool_name, "input": {}}
            elif ev.kind == "thinking":
                block = {"type": "thinking", "thinking": "", "signature": ""}
            elif ev.kind == "redacted_thinking":
                block = {"type": "redacted_thinking", "data": ir.tag_signature(ev.origin, ev.data or "", NATIVE)}
            else:
                block = {"type": "text", "text": ""}
            frame, idx = self._block_start(block)
            self._block_of[ev.index] = idx
            self._open = ev.index
            return out + frame
        if isinstance(ev, ir.PartStop):
            if self._open == ev.index:
                out += self._close_open()
            return out
        if ev.index != self._open:
            return out  # a delta for a block that is not open cannot be expressed in Claude's grammar
        idx = self._block_of[ev.index]
        if isinstance(ev, ir.TextDelta):
            out += self._delta(idx, {"type": "text_delta", "text": ev.text})
        elif isinstance(ev, ir.ThinkingDelta):
            out += self._delta(idx, {"type": "thinking_delta", "thinking": ev.text})
        elif isinstance(ev, ir.SignatureDelta):
            origin = ev.origin or self._origins.get(ev.index)
            sig = ir.tag_signature(origin, ev.signature, NATIVE)
            out += self._delta(idx, {"type": "signature_delta", "signature": sig})
        elif isinstance(ev, ir.ToolArgsDelta):
            out += self._delta(idx, {"type": "input_json_delta", "partial_json": ev.json})
        return out

    def _closing(self) -> bytes:
        out = self._on_start() + self._close_open()
        finish = self._finish
        stop = _stop_out(finish.reason if finish else None, self._has_tools,
                         finish.stop_sequence if finish else None)
        delta = {"stop_reason": stop, "stop_sequence": finish.stop_sequence if finish else None}
        out += sse.frame({"type": "message_delta", "delta": delta, "usage": encode_usage(self._usage)},
                         "message_delta")
        return out + sse.frame({"type": "message_stop"}, "message_stop")

    def _error(self, status: int, message: str) -> bytes:
        return sse.frame(encode_error(status, message), "error")
