"""OpenAI Responses API <-> IR.

Reasoning is a ``reasoning`` item whose ``encrypted_content`` carries the
signature (tagged with its origin when it did not come from OpenAI). A truncated
stream ends with ``response.incomplete``, as OpenAI's own does.
"""

from __future__ import annotations

import time

from . import errors, ir, sse
from .stream_base import DecoderBase, EncoderBase

NATIVE = "openai"

_KNOWN = {"model", "instructions", "input", "tools", "tool_choice", "parallel_tool_calls", "text", "reasoning",
          "max_output_tokens", "temperature", "top_p", "stream", "user", "metadata"}

_INCOMPLETE_IN = {"max_output_tokens": "length", "content_filter": "content_filter"}


# ---------------------------------------------------------------- request


def _content_parts(content) -> list:
    if content is None:
        return []
    if isinstance(content, str):
        return [ir.Text(content)] if content else []
    parts = []
    for item in content:
        kind = item.get("type")
        if kind in ("input_text", "output_text", "text", "summary_text"):
            parts.append(ir.Text(item.get("text", "")))
        elif kind == "input_image":
            url = item.get("image_url")
            if url:
                parts.append(ir.image_from_url(url, item.get("detail")))
        elif kind == "input_file":
            if item.get("file_data"):
                data = item["file_data"]
                parsed = ir.parse_data_url(data)
                parts.append(ir.Image(data=parsed[1], media_type=parsed[0]) if parsed
                             else ir.Image(data=data, media_type="application/pdf"))
            elif item.get("file_url"):
                parts.append(ir.Image(url=item["file_url"], media_type="application/pdf"))
        elif kind == "refusal":
            parts.append(ir.Refusal(item.get("refusal", "")))
    return parts


def _reasoning_part(item: dict) -> tuple[ir.Thinking | None, str | None]:
    """A reasoning item -> (Thinking, or None plus a Gemini call signature to carry)."""
    texts = [s.get("text", "") for s in item.get("summary") or []]
    if not texts:
        texts = [c.get("text", "") for c in item.get("content") or []]
    enc = item.get("encrypted_content")
    origin, raw = ir.untag_signature(enc, NATIVE) if enc else (NATIVE, None)
    if origin == ir.GEMINI_CALL_TAG:
        return None, raw
    if origin and origin.endswith(ir.REDACTED):
        return ir.Thinking(redacted=raw, origin=origin.removesuffix(ir.REDACTED)), None
    return ir.Thinking(text="\n\n".join(texts), signature=raw, origin=origin, id=item.get("id")), None


def decode_request(body: dict) -> ir.Request:
    req = ir.Request(model=body.get("model", ""), source="responses")
    if body.get("instructions"):
        req.system.append(ir.Text(body["instructions"]))
    items = body.get("input")
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    names: dict[str, str] = {}
    pending_sig = None

    def turn(role: str) -> ir.Message:
        if req.messages and req.messages[-1].role == role:
            return req.messages[-1]
        req.messages.append(ir.Message(role, []))
        return req.messages[-1]

    for item in items or []:
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role", "user")
            parts = _content_parts(item.get("content"))
            if role in ("system", "developer"):
                req.system.extend(p for p in parts if isinstance(p, ir.Text))
            elif role == "assistant":
                turn("assistant").parts.extend(parts)
            else:
                req.messages.append(ir.Message("user", parts))
        elif kind == "function_call":
            names[item.get("call_id", "")] = item.get("name", "")
            turn("assistant").parts.append(ir.ToolCall(
                id=item.get("call_id", ""), name=item.get("name", ""), arguments=item.get("arguments") or "{}",
                signature=pending_sig))
            pending_sig = None
        elif kind == "function_call_output":
            output = item.get("output")
            content = _content_parts(output) if isinstance(output, list) else [ir.Text(output or "")]
            last = req.messages[-1] if req.messages else None
            result = ir.ToolResult(call_id=item.get("call_id", ""), content=content,
                                   name=names.get(item.get("call_id", "")))
            if last and last.role == "user" and all(isinstance(p, ir.ToolResult) for p in last.parts):
                last.parts.append(result)
            else:
                req.messages.append(ir.Message("user", [result]))
        elif kind == "reasoning":
            thinking, pending_sig = _reasoning_part(item)
            if thinking:
                turn("assistant").parts.append(thinking)

    for tool in body.get("tools") or []:
        if tool.get("type") == "function":
            req.tools.append(ir.Tool(name=tool.get("name", ""), description=tool.get("description"),
                                     parameters=tool.get("parameters"), strict=tool.get("strict")))
        else:
            req.tools.append(ir.Tool(name=tool.get("type", ""), builtin=tool))
    choice = body.get("tool_choice")
    if isinstance(choice, str):
        req.tool_choice = ir.ToolChoice(choice)
    elif isinstance(choice, dict):
        name = choice.get("name") or (choice.get("function") or {}).get("name")
        req.tool_choice = ir.ToolChoice("tool", name) if name else ir.ToolChoice(choice.get("mode", "auto"))
    req.parallel_tool_calls = body.get("parallel_tool_calls")

    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        req.response_format = ir.ResponseFormat("json_schema", name=fmt.get("name"), schema=fmt.get("schema"),
                                                strict=fmt.get("strict"), description=fmt.get("description"))
    elif fmt.get("type") == "json_object":
        req.response_format = ir.ResponseFormat("json_object")
    reasoning = body.get("reasoning")
    if reasoning:
        summary = reasoning.get("summary") or reasoning.get("generate_summary")
        req.reasoning = ir.Reasoning(effort=reasoning.get("effort"), summary=summary,
                                     include_thoughts=True if summary else None)
    req.max_tokens = body.get("max_output_tokens")
    req.temperature = body.get("temperature")
    req.top_p = body.get("top_p")
    req.stream = bool(body.get("stream"))
    req.include_usage = True
    req.user = body.get("user") or body.get("safety_identifier")
    req.metadata = body.get("metadata")
    req.extra = {k: v for k, v in body.items() if k not in _KNOWN}
    if (body.get("text") or {}).get("verbosity"):
        req.extra["text_verbosity"] = body["text"]["verbosity"]
    return req


def _input_content(parts: list) -> list:
    out = []
    for p in parts:
        if isinstance(p, ir.Text):
            out.append({"type": "input_text", "text": p.text})
        elif isinstance(p, ir.Image):
            if p.media_type and not p.media_type.startswith("image/"):
                out.append({"type": "input_file", "file_data": p.data_url, "filename": "document.pdf"}
                           if p.data is not None else {"type": "input_file", "file_url": p.url})
            else:
                item = {"type": "input_image", "image_url": p.data_url, "detail": p.detail or "auto"}
                out.append(item)
    return out


def _encode_input(req: ir.Request) -> list:
    items: list = []
    for msg in req.messages:
        if msg.role == "assistant":
            for p in msg.parts:
                if isinstance(p, (ir.Text, ir.Refusal)) and p.text:
                    if items and items[-1].get("role") == "assistant":
                        items[-1]["content"] += p.text
                    else:
                        items.append({"role": "assistant", "content": p.text})
                elif isinstance(p, ir.ToolCall):
                    items.append({"type": "function_call", "call_id": p.id, "name": p.name,
                                  "arguments": p.arguments})
                elif isinstance(p, ir.Thinking) and p.origin == NATIVE and p.signature:
                    # only OpenAI can decrypt its own reasoning items
                    items.append({"type": "reasoning", "id": p.id or ir.new_id("rs_"),
                                  "summary": [{"type": "summary_text", "text": p.text}] if p.text else [],
                                  "encrypted_content": p.signature})
            continue
        rest = []
        for p in msg.parts:
            if isinstance(p, ir.ToolResult):
                images = [i for i in p.content if isinstance(i, ir.Image)]
                output = _input_content(p.content) if images else p.text
                if p.is_error and isinstance(output, str):
                    output = "Error: " + output
                items.append({"type": "function_call_output", "call_id": p.call_id, "output": output})
            elif isinstance(p, (ir.Text, ir.Image)):
                rest.append(p)
        if rest:
            items.append({"role": "user", "content": _input_content(rest)})
    return items


def _tool(tool: ir.Tool) -> dict:
    out = {"type": "function", "name": tool.name}
    if tool.description:
        out["description"] = tool.description
    out["parameters"] = tool.parameters or {"type": "object", "properties": {}}
    # Responses functions are strict unless told otherwise; most client schemas are not strict-ready
    out["strict"] = bool(tool.strict)
    return out


def _tool_choice(choice: ir.ToolChoice):
    if choice.mode == "tool":
        return {"type": "function", "name": choice.name}
    return choice.mode


def _text_format(fmt: ir.ResponseFormat | None) -> dict:
    if fmt and fmt.type == "json_schema":
        out = {"type": "json_schema", "name": fmt.name or "response", "schema": fmt.schema or {}}
        if fmt.description:
            out["description"] = fmt.description
        out["strict"] = bool(fmt.strict)
        return out
    if fmt and fmt.type == "json_object":
        return {"type": "json_object"}
    return {"type": "text"}


def encode_request(req: ir.Request) -> dict:
    body: dict = {"model": req.model}
    if req.system:
        body["instructions"] = req.system_text
    body["input"] = _encode_input(req)
    tools = [t for t in req.tools if t.builtin is None or req.source == "responses"]
    if tools:
        body["tools"] = [t.builtin if t.builtin else _tool(t) for t in tools]
        if req.tool_choice:
            body["tool_choice"] = _tool_choice(req.tool_choice)
    if req.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = req.parallel_tool_calls
    if req.response_format and req.response_format.type != "text":
        body["text"] = {"format": _text_format(req.response_format)}
    if req.reasoning is not None:
        reasoning = {"effort": ir.effort_for(req.reasoning) or "medium"}
        if req.reasoning.summary or req.reasoning.include_thoughts:
            reasoning["summary"] = req.reasoning.summary or "auto"
        body["reasoning"] = reasoning
        if req.source != "responses" and ir.reasoning_wanted(req.reasoning):
            body["include"] = ["reasoning.encrypted_content"]  # keeps reasoning usable statelessly
            body["store"] = False
    for key, field in (("max_output_tokens", "max_tokens"), ("temperature", "temperature"), ("top_p", "top_p"),
                       ("user", "user"), ("metadata", "metadata")):
        value = getattr(req, field)
        if value is not None:
            body[key] = value
    if req.stream:
        body["stream"] = True
    if req.source == "responses":
        extra = dict(req.extra)
        verbosity = extra.pop("text_verbosity", None)
        if verbosity:
            body.setdefault("text", {})["verbosity"] = verbosity
        body.update(extra)
    return body


# ---------------------------------------------------------------- response


def decode_usage(u: dict | None) -> ir.Usage | None:
    if not u:
        return None
    details = u.get("input_tokens_details") or {}
    return ir.Usage(input=u.get("input_tokens") or 0, output=u.get("output_tokens") or 0,
                    cache_read=details.get("cached_tokens") or 0,
                    cache_write_5m=details.get("cache_write_tokens") or u.get("cache_write_tokens") or 0,
                    reasoning=(u.get("output_tokens_details") or {}).get("reasoning_tokens") or 0)


def encode_usage(u: ir.Usage | None) -> dict:
    u = u or ir.Usage()
    return {"input_tokens": u.input,
            "input_tokens_details": {"cached_tokens": u.cache_read, "cache_write_tokens": u.cache_write},
            "output_tokens": u.output, "output_tokens_details": {"reasoning_tokens": u.reasoning},
            "total_tokens": u.total}


def _finish_from(body: dict, has_tools: bool) -> str:
    status = body.get("status")
    if status == "incomplete":
        reason = (body.get("incomplete_details") or {}).get("reason")
        return _INCOMPLETE_IN.get(reason, "length")
    return "tool_calls" if has_tools else "stop"


def decode_response(body: dict) -> ir.Response:
    parts: list = []
    pending_sig = None
    for item in body.get("output") or []:
        kind = item.get("type")
        if kind == "message":
            parts.extend(_content_parts(item.get("content")))
        elif kind == "function_call":
            parts.append(ir.ToolCall(id=item.get("call_id", ""), name=item.get("name", ""),
                                     arguments=item.get("arguments") or "{}", signature=pending_sig))
            pending_sig = None
        elif kind == "reasoning":
            thinking, pending_sig = _reasoning_part(item)
            if thinking:
                parts.append(thinking)
    has_tools = any(isinstance(p, ir.ToolCall) for p in parts)
    return ir.Response(id=body.get("id", ""), model=body.get("model", ""), parts=parts,
                       finish=_finish_from(body, has_tools), usage=decode_usage(body.get("usage")),
                       created=int(body["created_at"]) if body.get("created_at") else None)


def _status(finish: str | None) -> tuple[str, dict | None]:
    if finish in ("length", "pause"):
        return "incomplete", {"reason": "max_output_tokens"}
    if finish in ("content_filter", "refusal"):
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def _reasoning_item(item_id: str, text: str, signature: str | None,
                    origin: str | None) -> dict:
    item = {"id": item_id, "type": "reasoning",
            "summary": [{"type": "summary_text", "text": text}] if text else []}
    if signature:
        item["encrypted_content"] = ir.tag_signature(origin, signature, NATIVE)
    return item


def _message_item(item_id: str, contents: list, status: str = "completed") -> dict:
    return {"id": item_id, "type": "message", "status": status, "role": "assistant", "content": contents}


def _output_items(parts: list) -> list:
    items: list = []
    for p in parts:
        if isinstance(p, (ir.Text, ir.Refusal)):
            content = ({"type": "output_text", "text": p.text, "annotations": []} if isinstance(p, ir.Text)
                       else {"type": "refusal", "refusal": p.text})
            if items and items[-1]["type"] == "message":
                items[-1]["content"].append(content)
            else:
                items.append(_message_item(ir.new_id("msg_"), [content]))
        elif isinstance(p, ir.Thinking):
            if p.redacted:
                items.append(_reasoning_item(ir.new_id("rs_"), "", p.redacted, (p.origin or "") + ir.REDACTED))
            else:
                items.append(_reasoning_item(p.id or ir.new_id("rs_"), p.text, p.signature, p.origin))
        elif isinstance(p, ir.ToolCall):
            if p.signature:
                items.append(_reasoning_item(ir.new_id("rs_"), "", p.signature, ir.GEMINI_CALL_TAG))
            items.append({"id": "fc_" + p.id.removeprefix("call_"), "type": "function_call", "status": "completed",
                          "call_id": p.id, "name": p.name, "arguments": p.arguments})
    return items


def _envelope(req: ir.Request, response_id: str, created: int, model: str) -> dict:
    """The request echo every Response object carries."""
    tools = [t.builtin if t.builtin else _tool(t) for t in req.tools
             if t.builtin is None or req.source == "responses"]
    reasoning = None
    if req.reasoning is not None:
        reasoning = {"effort": ir.effort_for(req.reasoning), "summary": req.reasoning.summary}
    return {
        "id": response_id, "object": "response", "created_at": created, "status": "in_progress",
        "error": None, "incomplete_details": None, "instructions": req.system_text or None,
        "max_output_tokens": req.max_tokens, "model": model, "output": [],
        "parallel_tool_calls": req.parallel_tool_calls if req.parallel_tool_calls is not None else True,
        "previous_response_id": req.extra.get("previous_response_id") if req.source == "responses" else None,
        "reasoning": reasoning, "temperature": req.temperature, "top_p": req.top_p,
        "text": {"format": _text_format(req.response_format)},
        "tool_choice": _tool_choice(req.tool_choice) if req.tool_choice else "auto",
        "tools": tools, "truncation": "disabled", "usage": None, "user": req.user,
        "metadata": req.metadata or {},
    }


def encode_response(resp: ir.Response, req: ir.Request) -> dict:
    rid = resp.id if resp.id.startswith("resp_") else ir.new_id("resp_")
    body = _envelope(req, rid, resp.created or int(time.time()), resp.model or req.model)
    body["status"], body["incomplete_details"] = _status(resp.finish)
    body["output"] = _output_items(resp.parts)
    body["usage"] = encode_usage(resp.usage)
    return body


# ---------------------------------------------------------------- errors


def encode_error(status: int, message: str, type: str | None = None, code: str | None = None) -> dict:
    return errors.openai_body(status, message, type, code)


def decode_error(status: int, body: bytes) -> ir.Error:
    return errors.decode_any(status, body)


# ---------------------------------------------------------------- stream


class StreamDecoder(DecoderBase):
    def __init__(self) -> None:
        super().__init__()
        self._items: dict[str, int] = {}  # item id -> IR index (function_call / reasoning)
        self._contents: dict[tuple, int] = {}  # (item id, content index) -> IR index
        self._args_seen: set[str] = set()
        self._text_seen: set[tuple] = set()
        self._summary_seen: dict[str, int] = {}
        self._pending_sig: str | None = None
        self._has_tools = False

    def feed(self, event: str | None, data: str) -> list:
        data = data.strip()
        if not data or data == "[DONE]":
            return []
        msg = sse.loads(data)
        if not isinstance(msg, dict):
            return []
        kind = msg.get("type") or event
        handler = getattr(self, "_on_" + kind.replace(".", "_"), None) if kind else None
        return handler(msg) if handler else []

    def _on_response_created(self, msg):
        r = msg.get("response") or {}
        return [ir.MessageStart(id=r.get("id", ""), model=r.get("model", ""))]

    def _on_response_output_item_added(self, msg):
        item = msg.get("item") or {}
        item_id, kind = item.get("id", ""), item.get("type")
        if kind == "function_call":
            self._has_tools = True
            index = self._items[item_id] = self._new_index()
            start = ir.PartStart(index, "tool_call", tool_id=item.get("call_id"), tool_name=item.get("name"),
                                 signature=self._pending_sig)
            self._pending_sig = None
            out = [start]
            if item.get("arguments"):
                self._args_seen.add(item_id)
                out.append(ir.ToolArgsDelta(index, item["arguments"]))
            return out
        if kind == "reasoning":
            enc = item.get("encrypted_content")
            origin, _ = ir.untag_signature(enc, NATIVE) if enc else (NATIVE, None)
            if origin == ir.GEMINI_CALL_TAG:
                return []  # resolved at output_item.done
            index = self._items[item_id] = self._new_index()
            return [ir.PartStart(index, "thinking", origin=NATIVE)]
        return []

    def _on_response_content_part_added(self, msg):
        part = msg.get("part") or {}
        index = self._contents[(msg.get("item_id"), msg.get("content_index", 0))] = self._new_index()
        return [ir.PartStart(index, "refusal" if part.get("type") == "refusal" else "text")]

    def _content_delta(self, msg):
        key = (msg.get("item_id"), msg.get("content_index", 0))
        index = self._contents.get(key)
        if index is None or not msg.get("delta"):
            return []
        self._text_seen.add(key)
        return [ir.TextDelta(index, msg["delta"])]

    _on_response_output_text_delta = _content_delta
    _on_response_refusal_delta = _content_delta

    def _content_done(self, msg):
        """Some upstreams send only the .done event: its full text stands in for the deltas."""
        key = (msg.get("item_id"), msg.get("content_index", 0))
        index = self._contents.get(key)
        text = msg.get("text", msg.get("refusal"))
        if index is None or key in self._text_seen or not text:
            return []
        self._text_seen.add(key)
        return [ir.TextDelta(index, text)]

    _on_response_output_text_done = _content_done
    _on_response_refusal_done = _content_done

    def _on_response_content_part_done(self, msg):
        index = self._contents.pop((msg.get("item_id"), msg.get("content_index", 0)), None)
        return [ir.PartStop(index)] if index is not None else []

    def _on_response_function_call_arguments_delta(self, msg):
        index = self._items.get(msg.get("item_id"))
        if index is None or not msg.get("delta"):
            return []
        self._args_seen.add(msg.get("item_id"))
        return [ir.ToolArgsDelta(index, msg["delta"])]

    def _on_response_function_call_arguments_done(self, msg):
        item_id = msg.get("item_id")
        index = self._items.get(item_id)
        if index is None or item_id in self._args_seen:
            return []
        self._args_seen.add(item_id)
        return [ir.ToolArgsDelta(index, msg.get("arguments") or "")]

    def _summary_delta(self, msg):
        item_id = msg.get("item_id")
        index = self._items.get(item_id)
        if index is None or not msg.get("delta"):
            return []
        out = []
        part = msg.get("summary_index", msg.get("content_index", 0))
        if item_id in self._summary_seen and self._summary_seen[item_id] != part:
            out.append(ir.ThinkingDelta(index, "\n\n"))  # separate summary parts as the decoder joins them
        self._summary_seen[item_id] = part
        return out + [ir.ThinkingDelta(index, msg["delta"])]

    _on_response_reasoning_summary_text_delta = _summary_delta
    _on_response_reasoning_text_delta = _summary_delta

    def _on_response_output_item_done(self, msg):
        item = msg.get("item") or {}
        item_id, kind = item.get("id", ""), item.get("type")
        out = []
        if kind == "reasoning":
            thinking, call_sig = _reasoning_part(item)
            if call_sig:
                self._pending_sig = call_sig
                return []
            index = self._items.pop(item_id, None)
            if index is None:
                return []
            if thinking.redacted:
                return [ir.SignatureDelta(index, thinking.redacted, origin=thinking.origin), ir.PartStop(index)]
            if item_id not in self._summary_seen and thinking.text:
                out.append(ir.ThinkingDelta(index, thinking.text))
            if thinking.signature:
                out.append(ir.SignatureDelta(index, thinking.signature, origin=thinking.origin))
            return out + [ir.PartStop(index)]
        if kind == "function_call":
            index = self._items.pop(item_id, None)
            if index is None:
                return []
            if item_id not in self._args_seen and item.get("arguments"):
                out.append(ir.ToolArgsDelta(index, item["arguments"]))
            return out + [ir.PartStop(index)]
        return []

    def _terminal(self, msg):
        r = msg.get("response") or {}
        out = []
        for index in list(self._items.values()) + list(self._contents.values()):
            out.append(ir.PartStop(index))
        self._items.clear()
        self._contents.clear()
        usage = decode_usage(r.get("usage"))
        if usage:
            out.append(ir.UsageEvent(usage))
        if r.get("status") == "failed" or msg.get("type") == "response.failed":
            err = r.get("error") or {}
            self._errored = True
            return out + [ir.ErrorEvent(message=err.get("message", "response failed"), code=err.get("code"))]
        self._finished = True
        return out + [ir.Finish(_finish_from(r, self._has_tools))]

    _on_response_completed = _terminal
    _on_response_incomplete = _terminal
    _on_response_failed = _terminal

    def _on_error(self, msg):
        self._errored = True
        err = msg.get("error") if isinstance(msg.get("error"), dict) else msg
        return [ir.ErrorEvent(message=err.get("message", ""), code=err.get("code"), type=err.get("type"))]

    def close(self) -> list:
        out = [ir.PartStop(i) for i in list(self._items.values()) + list(self._contents.values())]
        self._items.clear()
        self._contents.clear()
        return self._end(out)


class StreamEncoder(EncoderBase):
    def __init__(self, req: ir.Request, response_id: str, created: int) -> None:
        super().__init__(req, response_id if response_id.startswith("resp_") else "resp_" + response_id, created)
        self._seq = 0
        self._started = False
        self._open: dict[int, dict] = {}  # IR index -> state of its output item
        self._output: list = []  # finished items, in output_index order
        self._next_output = 0

    def _emit(self, kind: str, payload: dict) -> bytes:
        body = {"type": kind, **payload, "sequence_number": self._seq}
        self._seq += 1
        return sse.frame(body, kind)

    def _response(self, status: str) -> dict:
        body = _envelope(self.req, self.id, self.created, self.model)
        body["status"] = status
        return body

    def _on_start(self, ev=None) -> bytes:
        if self._started:
            return b""
        self._started = True
        return (self._emit("response.created", {"response": self._response("in_progress")})
                + self._emit("response.in_progress", {"response": self._response("in_progress")}))

    def _add_item(self, state: dict, item: dict) -> bytes:
        state["output_index"] = self._next_output
        self._next_output += 1
        self._output.append(None)
        return self._emit("response.output_item.added", {"output_index": state["output_index"], "item": item})

    def _done_item(self, state: dict, item: dict) -> bytes:
        self._output[state["output_index"]] = item
        return self._emit("response.output_item.done", {"output_index": state["output_index"], "item": item})

    def _on_part(self, ev) -> bytes:
        out = self._on_start()
        if isinstance(ev, ir.PartStart):
            return out + self._part_start(ev)
        state = self._open.get(ev.index)
        if state is None:
            return out
        if isinstance(ev, ir.PartStop):
            return out + self._part_stop(ev.index)
        if isinstance(ev, ir.TextDelta):
            state["text"] += ev.text
            if state["kind"] == "refusal":
                return out + self._emit("response.refusal.delta", {**self._loc(state), "delta": ev.text})
            return out + self._emit("response.output_text.delta", {**self._loc(state), "delta": ev.text,
                                                                    "logprobs": []})
        if isinstance(ev, ir.ThinkingDelta) and state["kind"] == "thinking":
            if not state["summary_open"]:
                state["summary_open"] = True
                out += self._emit("response.reasoning_summary_part.added", {
                    "item_id": state["id"], "output_index": state["output_index"], "summary_index": 0,
                    "part": {"type": "summary_text", "text": ""}})
            state["text"] += ev.text
            return out + self._emit("response.reasoning_summary_text.delta", {
                "item_id": state["id"], "output_index": state["output_index"], "summary_index": 0,
                "delta": ev.text})
        if isinstance(ev, ir.SignatureDelta) and state["kind"] == "thinking":
            state["signature"] = (state["signature"] or "") + ev.signature
            state["origin"] = ev.origin or state["origin"]
            return out
        if isinstance(ev, ir.ToolArgsDelta) and state["kind"] == "tool_call":
            state["text"] += ev.json
            return out + self._emit("response.function_call_arguments.delta", {
                "item_id": state["id"], "output_index": state["output_index"], "delta": ev.json})
        return out

    @staticmethod
    def _loc(state: dict) -> dict:
        return {"item_id": state["id"], "output_index": state["output_index"], "content_index": 0}

    def _part_start(self, ev: ir.PartStart) -> bytes:
        state = {"kind": ev.kind, "text": "", "signature": None, "origin": ev.origin, "summary_open": False}
        out = b""
        if ev.kind in ("text", "refusal"):
            state["id"] = ir.new_id("msg_")
            out += self._add_item(state, _message_item(state["id"], [], "in_progress"))
            part = ({"type": "output_text", "text": "", "annotations": []} if ev.kind == "text"
                    else {"type": "refusal", "refusal": ""})
            out += self._emit("response.content_part.added", {**self._loc(state), "part": part})
        elif ev.kind in ("thinking", "redacted_thinking"):
            state["id"] = ir.new_id("rs_")
            if ev.kind == "redacted_thinking":
                state["signature"], state["origin"] = ev.data, (ev.origin or "") + ir.REDACTED
            state["kind"] = "thinking"
            out += self._add_item(state, {"id": state["id"], "type": "reasoning", "summary": []})
        elif ev.kind == "tool_call":
            if ev.signature:  # a Gemini call signature rides on its own reasoning item
                sig_state = {"id": ir.new_id("rs_")}
                item = _reasoning_item(sig_state["id"], "", ev.signature, ir.GEMINI_CALL_TAG)
                out += self._add_item(sig_state, {"id": sig_state["id"], "type": "reasoning", "summary": []})
                out += self._done_item(sig_state, item)
            state["id"] = "fc_" + (ev.tool_id or ir.new_id("")).removeprefix("call_")
            state["call_id"], state["name"] = ev.tool_id, ev.tool_name
            out += self._add_item(state, {"id": state["id"], "type": "function_call", "status": "in_progress",
                                          "call_id": ev.tool_id, "name": ev.tool_name, "arguments": ""})
        self._open[ev.index] = state
        return out

    def _part_stop(self, index: int) -> bytes:
        state = self._open.pop(index)
        kind, text = state["kind"], state["text"]
        if kind == "text":
            part = {"type": "output_text", "text": text, "annotations": []}
            return (self._emit("response.output_text.done", {**self._loc(state), "text": text, "logprobs": []})
                    + self._emit("response.content_part.done", {**self._loc(state), "part": part})
                    + self._done_item(state, _message_item(state["id"], [part])))
        if kind == "refusal":
            part = {"type": "refusal", "refusal": text}
            return (self._emit("response.refusal.done", {**self._loc(state), "refusal": text})
                    + self._emit("response.content_part.done", {**self._loc(state), "part": part})
                    + self._done_item(state, _message_item(state["id"], [part])))
        if kind == "thinking":
            out = b""
            if state["summary_open"]:
                where = {"item_id": state["id"], "output_index": state["output_index"], "summary_index": 0}
                out += self._emit("response.reasoning_summary_text.done", {**where, "text": text})
                out += self._emit("response.reasoning_summary_part.done", {
                    **where, "part": {"type": "summary_text", "text": text}})
            item = _reasoning_item(state["id"], text, state["signature"], state["origin"])
            return out + self._done_item(state, item)
        args = text or "{}"
        item = {"id": state["id"], "type": "function_call", "status": "completed", "call_id": state["call_id"],
                "name": state["name"], "arguments": args}
        return (self._emit("response.function_call_arguments.done", {
            "item_id": state["id"], "output_index": state["output_index"], "arguments": args})
            + self._done_item(state, item))

    def _closing(self) -> bytes:
        out = self._on_start()
        for index in list(self._open):
            out += self._part_stop(index)
        has_tools = any(i and i["type"] == "function_call" for i in self._output)
        reason = self._finish.reason if self._finish else ("tool_calls" if has_tools else "stop")
        status, details = _status(reason)
        body = self._response(status)
        body["incomplete_details"] = details
        body["output"] = [i for i in self._output if i]
        body["usage"] = encode_usage(self._usage)
        body["completed_at"] = int(time.time())
        kind = "response.completed" if status == "completed" else "response.incomplete"
        return out + self._emit(kind, {"response": body})

    def _error(self, status: int, message: str) -> bytes:
        out = self._on_start()
        code = "rate_limit_exceeded" if status == 429 else "server_error"
        out += self._emit("error", {"code": code, "message": message, "param": None})
        body = self._response("failed")
        body["error"] = {"code": code, "message": message}
        body["output"] = [i for i in self._output if i]
        return out + self._emit("response.failed", {"response": body})
