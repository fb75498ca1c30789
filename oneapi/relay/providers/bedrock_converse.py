"""Codec for AWS Bedrock's Converse / ConverseStream API (the models Bedrock serves without an Anthropic body).

Registered into ``relay.formats.CODECS`` as "converse" by the Bedrock adaptor. The stream decoder reads the
events of ConverseStream after ``bedrock.reframe`` has turned the binary event stream into SSE: the event
name is the event-stream ``:event-type`` (messageStart, contentBlockStart, contentBlockDelta, contentBlockStop,
messageStop, metadata) and the data its JSON payload.

Reasoning: Converse has no field of its own for it; each family takes its switch in
``additionalModelRequestFields`` (Claude ``thinking``, gpt-oss ``reasoning_effort``, Nova 2 ``reasoningConfig``;
DeepSeek R1 always reasons and takes none). The family of an alias or an ARN is only known once the adaptor has
resolved the model id, so ``encode_request`` leaves the client's wish under ``REASONING_KEY`` and
``bedrock.prepare_body`` shapes it with ``fit_family`` (which also puts ``top_k`` where the family takes it:
Claude and Mistral ``top_k``, Nova ``inferenceConfig.topK``, others none). Answers carry ``reasoningContent``
blocks (``reasoningText`` text+signature, or ``redactedContent``), read as the IR's Thinking parts; signed and
redacted ones go back in later turns (unsigned reasoning is not sent back).
"""
from __future__ import annotations

import json

from oneapi.relay.formats import ir
from oneapi.relay.formats.claude import DEFAULT_MAX_TOKENS, STRUCTURED_TOOL  # structured output: a forced tool
from oneapi.relay.formats.stream_base import DecoderBase

_FINISH_IN = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
              "guardrail_intervened": "content_filter", "content_filtered": "content_filter"}
_FINISH_OUT = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
               "content_filter": "content_filtered"}
_IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif",
                  "image/webp": "webp"}
REASONING_KEY = "_reasoning"  # the client's reasoning wish, until the adaptor knows the model family
_THREE_EFFORTS = {"minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "high", "max": "high"}


# ---- request -------------------------------------------------------------------------------------------

def _encode_image(p: ir.Image) -> dict:
    if p.data is None:  # Converse takes bytes only; the URL is named so the model knows something was there
        return {"text": f"[image: {p.url}]"}
    if p.media_type == "application/pdf":
        return {"document": {"format": "pdf", "name": "document", "source": {"bytes": p.data}}}
    return {"image": {"format": _IMAGE_FORMATS.get(p.media_type or "", "png"), "source": {"bytes": p.data}}}


def _encode_part(p) -> dict | None:
    if isinstance(p, ir.Text):
        return {"text": p.text} if p.text else None
    if isinstance(p, ir.Image):
        return _encode_image(p)
    if isinstance(p, ir.ToolCall):
        return {"toolUse": {"toolUseId": p.id, "name": p.name, "input": ir.json_loads_or(p.arguments, {})}}
    if isinstance(p, ir.ToolResult):
        content = [_encode_part(c) for c in p.content] or [{"text": ""}]
        return {"toolResult": {"toolUseId": p.call_id, "content": [c for c in content if c] or [{"text": ""}],
                               "status": "error" if p.is_error else "success"}}
    if isinstance(p, ir.Thinking) and p.origin in (None, "anthropic") and (p.redacted or p.signature):
        # only signed reasoning can be verified by the model that wrote it; unsigned text is not sent back
        if p.redacted:
            return {"reasoningContent": {"redactedContent": p.redacted}}
        return {"reasoningContent": {"reasoningText": {"text": p.text, "signature": p.signature}}}
    if isinstance(p, ir.Refusal):
        return {"text": p.text}
    return None


def _encode_messages(messages: list) -> list:
    out: list = []
    for msg in messages:
        role = "assistant" if msg.role == "assistant" else "user"
        content = [c for c in (_encode_part(p) for p in msg.parts) if c]
        if not content:
            continue
        if out and out[-1]["role"] == role:  # Converse wants user and assistant turns to alternate
            out[-1]["content"].extend(content)
        else:
            out.append({"role": role, "content": content})
    return out


def _tool_spec(name: str, description: str | None, schema: dict | None) -> dict:
    return {"toolSpec": {"name": name, "description": description or name,
                         "inputSchema": {"json": schema or {"type": "object", "properties": {}}}}}


def _encode_tools(req: ir.Request) -> dict | None:
    choice = req.tool_choice
    tools = [] if choice and choice.mode == "none" else [
        _tool_spec(t.name, t.description, t.parameters) for t in req.tools if not t.builtin]
    forced = {"tool": {"name": choice.name}} if choice and choice.mode == "tool" and choice.name else None
    any_tool = {"any": {}} if choice and choice.mode == "required" else None
    fmt = req.response_format
    if fmt and fmt.type in ("json_schema", "json_object"):
        schema = fmt.schema if fmt.type == "json_schema" and fmt.schema else {"type": "object"}
        client_tools = bool(tools)
        tools.append(_tool_spec(STRUCTURED_TOOL, fmt.description or "Give the final answer as a JSON object "
                                "matching this schema.", schema))
        if not forced:
            any_tool = {"any": {}} if client_tools else None
            forced = None if client_tools else {"tool": {"name": STRUCTURED_TOOL}}
    if not tools:
        return None
    config: dict = {"tools": tools}
    if forced or any_tool:
        config["toolChoice"] = forced or any_tool
    return config


def encode_request(req: ir.Request) -> dict:
    body: dict = {"messages": _encode_messages(req.messages)}
    system = req.system_text
    if system:
        body["system"] = [{"text": system}]
    inference = {"maxTokens": req.max_tokens, "temperature": req.temperature, "topP": req.top_p,
                 "stopSequences": list(req.stop) or None}
    inference = {k: v for k, v in inference.items() if v is not None}
    if inference:
        body["inferenceConfig"] = inference
    tools = _encode_tools(req)
    if tools:
        body["toolConfig"] = tools
    if req.top_k is not None:
        body["additionalModelRequestFields"] = {"top_k": req.top_k}
    if ir.reasoning_wanted(req.reasoning):
        body[REASONING_KEY] = {"effort": ir.effort_for(req.reasoning) or "medium",
                               "budget_tokens": ir.budget_for(req.reasoning)}
    return body


def family(model_id: str) -> str | None:
    """The family of a Bedrock model id (or a client name for one) where its extra fields differ."""
    name = (model_id or "").lower()
    if "claude" in name or "anthropic." in name:
        return "claude"
    return next((known for known in ("gpt-oss", "nova-2", "nova", "deepseek", "mistral") if known in name), None)


def fit_family(body: dict, model_family: str | None) -> None:
    """Shape an encoded body's model-specific fields for the family: ``top_k`` where the model takes one (Nova
    under ``inferenceConfig.topK``), and the ``REASONING_KEY`` wish as the family's reasoning switch."""
    fields = dict(body.get("additionalModelRequestFields") or {})
    top_k = fields.pop("top_k", None)
    reasoning = _reasoning_fields(body, body.pop(REASONING_KEY, None), model_family)
    if top_k is not None and "thinking" not in reasoning:  # Claude thinks with the default sampling only
        if model_family in ("claude", "mistral"):
            fields["top_k"] = top_k
        elif model_family in ("nova", "nova-2"):
            fields["inferenceConfig"] = {"topK": top_k}
    fields.update(reasoning)
    if fields:
        body["additionalModelRequestFields"] = fields
    else:
        body.pop("additionalModelRequestFields", None)


def _reasoning_fields(body: dict, wanted: dict | None, model_family: str | None) -> dict:
    if not wanted:
        return {}
    effort = _THREE_EFFORTS.get(wanted["effort"], "medium")
    if model_family == "gpt-oss":
        return {"reasoning_effort": effort}
    if model_family == "nova-2":
        return {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": effort}}
    if model_family != "claude":
        return {}  # DeepSeek R1 always reasons; the others cannot
    choice = (body.get("toolConfig") or {}).get("toolChoice") or {}
    if "tool" in choice or "any" in choice:  # Claude refuses thinking beside a forced call: the call wins
        return {}
    budget = max(1024, wanted.get("budget_tokens") or 1024)
    inference = body.setdefault("inferenceConfig", {})
    if (inference.get("maxTokens") or 0) <= budget:  # Claude wants max tokens above the budget
        inference["maxTokens"] = budget + (inference.get("maxTokens") or DEFAULT_MAX_TOKENS)
    for name in ("temperature", "topP"):  # thinking runs with the default sampling only
        inference.pop(name, None)
    return {"thinking": {"type": "enabled", "budget_tokens": budget}}


def _decode_block(block: dict):
    if "text" in block:
        return ir.Text(block["text"])
    if "toolUse" in block:
        use = block["toolUse"]
        return ir.ToolCall(id=use.get("toolUseId", ""), name=use.get("name", ""),
                           arguments=json.dumps(use.get("input") or {}, ensure_ascii=False))
    if "toolResult" in block:
        res = block["toolResult"]
        content = [ir.Text(c["text"]) if "text" in c else ir.Text(json.dumps(c.get("json"), ensure_ascii=False))
                   for c in res.get("content") or []]
        return ir.ToolResult(call_id=res.get("toolUseId", ""), content=content, is_error=res.get("status") == "error")
    if "image" in block:
        image = block["image"]
        data = (image.get("source") or {}).get("bytes")
        return ir.Image(data=data, media_type=f"image/{image.get('format', 'png')}")
    if "reasoningContent" in block:
        reasoning = block["reasoningContent"]
        if reasoning.get("redactedContent"):
            return ir.Thinking(redacted=reasoning["redactedContent"], origin="anthropic")
        text = reasoning.get("reasoningText") or {}
        return ir.Thinking(text=text.get("text", ""), signature=text.get("signature") or None, origin="anthropic")
    return None


def decode_request(body: dict) -> ir.Request:
    req = ir.Request(source="converse")
    req.system = [ir.Text(s["text"]) for s in body.get("system") or [] if "text" in s]
    for msg in body.get("messages") or []:
        parts = [p for p in (_decode_block(b) for b in msg.get("content") or []) if p]
        req.messages.append(ir.Message(msg.get("role", "user"), parts))
    inference = body.get("inferenceConfig") or {}
    req.max_tokens = inference.get("maxTokens")
    req.temperature = inference.get("temperature")
    req.top_p = inference.get("topP")
    req.stop = list(inference.get("stopSequences") or [])
    for tool in (body.get("toolConfig") or {}).get("tools") or []:
        spec = tool.get("toolSpec") or {}
        req.tools.append(ir.Tool(spec.get("name", ""), spec.get("description"),
                                 (spec.get("inputSchema") or {}).get("json")))
    return req


# ---- response ------------------------------------------------------------------------------------------

def decode_usage(u: dict | None) -> ir.Usage | None:
    if not u:
        return None
    read = u.get("cacheReadInputTokens") or 0
    write = u.get("cacheWriteInputTokens") or 0
    return ir.Usage(input=(u.get("inputTokens") or 0) + read + write, output=u.get("outputTokens") or 0,
                    cache_read=read, cache_write_5m=write)


def decode_response(body: dict) -> ir.Response:
    message = (body.get("output") or {}).get("message") or {}
    parts = []
    for part in (_decode_block(b) for b in message.get("content") or []):
        if isinstance(part, ir.ToolCall) and part.name == STRUCTURED_TOOL:
            part = ir.Text(part.arguments)
        if part:
            parts.append(part)
    finish = _FINISH_IN.get(body.get("stopReason"), "stop")
    if finish == "tool_calls" and not any(isinstance(p, ir.ToolCall) for p in parts):
        finish = "stop"  # only the structured answer was "called"
    return ir.Response(id=ir.new_id("msg_"), parts=parts, finish=finish, usage=decode_usage(body.get("usage")))


def encode_response(resp: ir.Response, req: ir.Request) -> dict:
    content = [c for c in (_encode_part(p) for p in resp.parts) if c]
    usage = resp.usage or ir.Usage()
    return {"output": {"message": {"role": "assistant", "content": content}},
            "stopReason": _FINISH_OUT.get(resp.finish or "stop", "end_turn"),
            "usage": {"inputTokens": usage.input, "outputTokens": usage.output, "totalTokens": usage.total}}


def encode_error(status: int, message: str, type: str | None = None, code: str | None = None) -> dict:
    return {"message": message}


def decode_error(status: int, body: bytes) -> ir.Error:
    from oneapi.relay.formats.errors import decode_any
    return decode_any(status, body)


# ---- stream --------------------------------------------------------------------------------------------

class StreamDecoder(DecoderBase):
    """ConverseStream events -> IR events."""

    error_type = "internalServerException"

    def __init__(self) -> None:
        super().__init__()
        self._started = False
        self._parts: dict[int, tuple[str, int]] = {}  # Converse block index -> (kind, IR index)
        self._finish: str | None = None
        self._structured: set[int] = set()  # Converse blocks carrying the structured answer (sent as text)
        self._real_tools = False

    def _start(self) -> list:
        if self._started:
            return []
        self._started = True
        return [ir.MessageStart(id=ir.new_id("msg_"))]

    def _block(self, block: int, kind: str, **kw) -> tuple[list, int]:
        if block in self._parts and self._parts[block][0] == kind:
            return [], self._parts[block][1]
        index = self._new_index()
        self._parts[block] = (kind, index)
        return [ir.PartStart(index=index, kind=kind, **kw)], index

    def feed(self, event: str | None, data: str) -> list:
        try:
            payload = json.loads(data) if data else {}
        except ValueError:
            return []
        out = self._start()
        block = payload.get("contentBlockIndex", 0)
        if event == "contentBlockStart":
            use = (payload.get("start") or {}).get("toolUse")
            if use and use.get("name") == STRUCTURED_TOOL:
                self._structured.add(block)
                out += self._block(block, "text")[0]
            elif use:
                self._real_tools = True
                events, _ = self._block(block, "tool_call", tool_id=use.get("toolUseId"), tool_name=use.get("name"))
                out += events
        elif event == "contentBlockDelta":
            delta = payload.get("delta") or {}
            if "text" in delta:
                events, index = self._block(block, "text")
                out += events + [ir.TextDelta(index, delta["text"])]
            elif "toolUse" in delta and block in self._structured:
                events, index = self._block(block, "text")
                out += events + [ir.TextDelta(index, delta["toolUse"].get("input", ""))]
            elif "toolUse" in delta:
                events, index = self._block(block, "tool_call", tool_id=ir.new_id("tooluse_"), tool_name="")
                out += events + [ir.ToolArgsDelta(index, delta["toolUse"].get("input", ""))]
            elif "reasoningContent" in delta and delta["reasoningContent"].get("redactedContent"):
                out += self._block(block, "redacted_thinking", data=delta["reasoningContent"]["redactedContent"],
                                   origin="anthropic")[0]
            elif "reasoningContent" in delta:
                reasoning = delta["reasoningContent"]
                events, index = self._block(block, "thinking", origin="anthropic")
                out += events
                if reasoning.get("text"):
                    out.append(ir.ThinkingDelta(index, reasoning["text"]))
                if reasoning.get("signature"):
                    out.append(ir.SignatureDelta(index, reasoning["signature"]))
        elif event == "contentBlockStop":
            if block in self._parts:
                out.append(ir.PartStop(self._parts.pop(block)[1]))
        elif event == "messageStop":
            out += [ir.PartStop(index) for _, index in self._parts.values()]
            self._parts.clear()
            self._finish = _FINISH_IN.get(payload.get("stopReason"), "stop")
            if self._finish == "tool_calls" and not self._real_tools:
                self._finish = "stop"
        elif event == "metadata":
            usage = decode_usage(payload.get("usage"))
            if usage:
                out.append(ir.UsageEvent(usage))
            if self._finish:  # usage comes after messageStop: finish once the counts are known
                self._finished = True
                out.append(ir.Finish(self._finish))
                self._finish = None
        elif event == "error" or payload.get("message") and event not in ("messageStart",):
            self._errored = True
            out.append(ir.ErrorEvent(message=payload.get("message", "upstream error"),
                                     type=payload.get("type") or event, status=int(payload.get("status") or 500)))
        return out

    def close(self) -> list:
        out = [ir.PartStop(index) for _, index in self._parts.values()]
        self._parts.clear()
        if self._finish and not self._errored:  # messageStop without metadata
            self._finished = True
            out.append(ir.Finish(self._finish))
        return self._end(out)
