"""Gemini generateContent / streamGenerateContent?alt=sse <-> IR.

Gemini has no call ids of its own on older models, so ids are made up on the way
in and matched to functionResponse parts by name and order on the way back.
Schemas are reduced to the OpenAPI subset Gemini accepts.
"""

from __future__ import annotations

import base64
import copy
import json

from . import errors, ir, sse
from .stream_base import DecoderBase, EncoderBase

NATIVE = "gemini"
# Google's documented placeholder for function calls whose signature was lost (history
# written by another model); Gemini 3 rejects unsigned calls in the current turn otherwise.
SKIP_SIGNATURE = "skip_thought_signature_validator"

_FINISH_IN = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter", "RECITATION": "content_filter",
              "BLOCKLIST": "content_filter", "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
              "IMAGE_SAFETY": "content_filter", "LANGUAGE": "content_filter"}
_FINISH_OUT = {"stop": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS", "pause": "MAX_TOKENS",
               "content_filter": "SAFETY", "refusal": "SAFETY"}

_SCHEMA_KEYS = {"type", "format", "description", "nullable", "enum", "maxItems", "minItems", "properties",
                "required", "propertyOrdering", "items", "anyOf", "minimum", "maximum", "minLength", "maxLength",
                "pattern", "title", "minProperties", "maxProperties", "default", "example"}

_KNOWN = {"contents", "systemInstruction", "system_instruction", "tools", "toolConfig", "tool_config",
          "generationConfig", "generation_config", "model"}


def sig_out(origin: str | None, signature: str) -> str:
    """thoughtSignature is a bytes field (base64 in JSON): a foreign signature is tagged
    and then base64-encoded so Gemini SDKs can still parse it."""
    if origin in (None, NATIVE):
        return signature
    return base64.b64encode(ir.tag_signature(origin, signature, NATIVE).encode()).decode()


def sig_in(value: str) -> tuple[str | None, str]:
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return NATIVE, value
    origin, raw = ir.untag_signature(decoded, NATIVE)
    return (origin, raw) if origin != NATIVE else (NATIVE, value)


def _get(d: dict, camel: str, default=None):
    """Gemini's JSON accepts camelCase and snake_case field names."""
    if camel in d:
        return d[camel]
    snake = "".join("_" + c.lower() if c.isupper() else c for c in camel)
    return d.get(snake, default)


# ---------------------------------------------------------------- schema


def clean_schema(schema, defs: dict | None = None):
    """JSON schema -> the OpenAPI subset Gemini accepts ($ref inlined, type lists
    turned into nullable, unsupported keywords such as additionalProperties dropped)."""
    if not isinstance(schema, dict):
        return schema
    if defs is None:
        defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    if "$ref" in schema:
        target = defs.get(schema["$ref"].rsplit("/", 1)[-1])
        return clean_schema(copy.deepcopy(target), defs) if target else {"type": "OBJECT"}
    out: dict = {}
    for key, value in schema.items():
        if key == "type":
            types = value if isinstance(value, list) else [value]
            concrete = [t for t in types if t != "null"]
            if len(concrete) < len(types):
                out["nullable"] = True
            if concrete:
                out["type"] = str(concrete[0]).upper()
        elif key == "const":
            out["enum"] = [value]
        elif key in ("properties",):
            out[key] = {k: clean_schema(v, defs) for k, v in value.items()}
        elif key == "items":
            out[key] = clean_schema(value, defs)
        elif key in ("anyOf", "oneOf"):
            out["anyOf"] = [clean_schema(v, defs) for v in value]
        elif key in _SCHEMA_KEYS:
            out[key] = value
    if "enum" in out:
        if all(isinstance(v, str) for v in out["enum"]):
            out.setdefault("type", "STRING")
        else:
            out.pop("enum")  # Gemini only takes string enums
    if "required" in out and "properties" in out:
        out["required"] = [r for r in out["required"] if r in out["properties"]]
    return out


# ---------------------------------------------------------------- request


def _decode_parts(parts: list, role: str, pending: dict[str, list]) -> list:
    out: list = []
    for part in parts or []:
        sig = _get(part, "thoughtSignature")
        call = _get(part, "functionCall")
        resp = _get(part, "functionResponse")
        inline = _get(part, "inlineData")
        file = _get(part, "fileData")
        if call is not None:
            call_id = call.get("id") or ir.new_id("call_")
            pending.setdefault(call.get("name", ""), []).append(call_id)
            out.append(ir.ToolCall(id=call_id, name=call.get("name", ""), signature=sig,
                                   arguments=json.dumps(call.get("args") or {}, ensure_ascii=False)))
        elif resp is not None:
            name = resp.get("name", "")
            queue = pending.get(name) or []
            call_id = resp.get("id") or (queue.pop(0) if queue else name)
            if resp.get("id") and resp["id"] in queue:
                queue.remove(resp["id"])
            body = resp.get("response")
            if isinstance(body, dict) and set(body) == {"result"} and isinstance(body["result"], str):
                text = body["result"]
            elif isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], str):
                text = body["error"]
            else:
                text = json.dumps(body, ensure_ascii=False)
            out.append(ir.ToolResult(call_id=call_id, name=name, content=[ir.Text(text)],
                                     is_error=isinstance(body, dict) and set(body) == {"error"}))
        elif inline is not None:
            out.append(ir.Image(data=inline.get("data", ""), media_type=_get(inline, "mimeType")))
        elif file is not None:
            out.append(ir.Image(url=_get(file, "fileUri"), media_type=_get(file, "mimeType")))
        elif "text" in part:
            if part.get("thought"):
                origin, raw = sig_in(sig) if sig else (NATIVE, None)
                out.append(ir.Thinking(text=part["text"], signature=raw, origin=origin))
            elif part["text"]:
                out.append(ir.Text(part["text"]))
    return out


def decode_request(body: dict) -> ir.Request:
    req = ir.Request(model=body.get("model", ""), source="gemini")
    system = _get(body, "systemInstruction")
    if system:
        req.system = [ir.Text(p["text"]) for p in system.get("parts") or [] if p.get("text")]
    pending: dict[str, list] = {}
    for content in body.get("contents") or []:
        role = "assistant" if content.get("role") == "model" else "user"
        req.messages.append(ir.Message(role, _decode_parts(content.get("parts"), role, pending)))
    for tool in body.get("tools") or []:
        decls = _get(tool, "functionDeclarations")
        if decls is None:
            req.tools.append(ir.Tool(name=next(iter(tool), ""), builtin=tool))
        for decl in decls or []:
            req.tools.append(ir.Tool(name=decl.get("name", ""), description=decl.get("description"),
                                     parameters=_get(decl, "parametersJsonSchema") or decl.get("parameters")))
    fcc = _get(_get(body, "toolConfig") or {}, "functionCallingConfig") or {}
    mode = (fcc.get("mode") or "").upper()
    names = _get(fcc, "allowedFunctionNames") or []
    if mode in ("ANY", "VALIDATED") and len(names) == 1:
        req.tool_choice = ir.ToolChoice("tool", names[0])
    elif mode:
        req.tool_choice = ir.ToolChoice({"ANY": "required", "NONE": "none"}.get(mode, "auto"))
    gen = _get(body, "generationConfig") or {}
    req.temperature = gen.get("temperature")
    req.top_p = _get(gen, "topP")
    req.top_k = _get(gen, "topK")
    req.max_tokens = _get(gen, "maxOutputTokens")
    req.stop = list(_get(gen, "stopSequences") or [])
    req.seed = gen.get("seed")
    req.presence_penalty = _get(gen, "presencePenalty")
    req.frequency_penalty = _get(gen, "frequencyPenalty")
    req.n = _get(gen, "candidateCount")
    if _get(gen, "responseMimeType") == "application/json":
        schema = _get(gen, "responseJsonSchema") or _get(gen, "responseSchema")
        req.response_format = (ir.ResponseFormat("json_schema", name="response", schema=schema) if schema
                               else ir.ResponseFormat("json_object"))
    thinking = _get(gen, "thinkingConfig")
    if thinking:
        budget = _get(thinking, "thinkingBudget")
        req.reasoning = ir.Reasoning(effort=_get(thinking, "thinkingLevel"),
                                     budget_tokens=budget if budget is not None and budget >= 0 else None,
                                     include_thoughts=_get(thinking, "includeThoughts"),
                                     enabled=False if budget == 0 else None)
    req.include_usage = True
    req.extra = {k: v for k, v in body.items() if k not in _KNOWN}
    return req


def _function_response(p: ir.ToolResult, name: str) -> dict:
    value = ir.json_loads_or(p.text, None)
    if not isinstance(value, dict):
        value = {"error" if p.is_error else "result": p.text}
    return {"functionResponse": {"name": name, "response": value}}


def _media_part(p: ir.Image) -> dict:
    if p.data is not None:
        return {"inlineData": {"mimeType": p.media_type or "image/png", "data": p.data}}
    # Gemini cannot fetch arbitrary URLs: the relay inlines them first (ir.iter_remote_images)
    return {"fileData": {"mimeType": p.media_type or _guess_mime(p.url or ""), "fileUri": p.url}}


def _guess_mime(url: str) -> str:
    lower = url.lower().split("?")[0]
    for ext, mime in ((".png", "image/png"), (".gif", "image/gif"), (".webp", "image/webp"),
                      (".pdf", "application/pdf")):
        if lower.endswith(ext):
            return mime
    return "image/jpeg"


def _encode_parts(msg: ir.Message, names: dict[str, str]) -> list:
    out: list = []
    for p in msg.parts:
        if isinstance(p, (ir.Text, ir.Refusal)):
            if p.text:
                out.append({"text": p.text})
        elif isinstance(p, ir.Image):
            out.append(_media_part(p))
        elif isinstance(p, ir.ToolCall):
            names[p.id] = p.name
            part = {"functionCall": {"name": p.name, "args": _args(p.arguments)}}
            if p.signature:
                part["thoughtSignature"] = p.signature
            out.append(part)
        elif isinstance(p, ir.ToolResult):
            out.append(_function_response(p, p.name or names.get(p.call_id) or p.call_id))
            out.extend(_media_part(i) for i in p.content if isinstance(i, ir.Image))
        elif isinstance(p, ir.Thinking) and p.origin == NATIVE and p.signature and msg.role == "assistant":
            out.append({"text": p.text, "thought": True, "thoughtSignature": p.signature})
    calls = [part for part in out if "functionCall" in part]
    if calls and not any("thoughtSignature" in c for c in calls):
        calls[0]["thoughtSignature"] = SKIP_SIGNATURE
    return out


def _args(arguments: str) -> dict:
    value = ir.json_loads_or(arguments, {})
    return value if isinstance(value, dict) else {"value": value}


def encode_request(req: ir.Request) -> dict:
    body: dict = {}
    contents: list = []
    names: dict[str, str] = {}
    for msg in req.messages:
        parts = _encode_parts(msg, names)
        if not parts:
            continue
        role = "model" if msg.role == "assistant" else "user"
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    body["contents"] = contents
    if req.system:
        body["systemInstruction"] = {"parts": [{"text": req.system_text}]}
    decls = []
    for tool in req.tools:
        if tool.builtin is not None:
            continue
        decl: dict = {"name": tool.name}
        if tool.description:
            decl["description"] = tool.description
        params = clean_schema(tool.parameters) if tool.parameters else None
        if params and params.get("properties"):
            decl["parameters"] = params
        decls.append(decl)
    tools = [{"functionDeclarations": decls}] if decls else []
    if req.source == "gemini":
        tools += [t.builtin for t in req.tools if t.builtin is not None]
    if tools:
        body["tools"] = tools
    if req.tool_choice and decls:
        choice = req.tool_choice
        config = {"mode": {"required": "ANY", "tool": "ANY", "none": "NONE"}.get(choice.mode, "AUTO")}
        if choice.mode == "tool":
            config["allowedFunctionNames"] = [choice.name]
        body["toolConfig"] = {"functionCallingConfig": config}
    gen: dict = {}
    for key, value in (("temperature", req.temperature), ("topP", req.top_p), ("topK", req.top_k),
                       ("maxOutputTokens", req.max_tokens), ("seed", req.seed),
                       ("presencePenalty", req.presence_penalty), ("frequencyPenalty", req.frequency_penalty),
                       ("candidateCount", req.n)):
        if value is not None:
            gen[key] = value
    if req.stop:
        gen["stopSequences"] = req.stop[:5]
    fmt = req.response_format
    if fmt and fmt.type in ("json_schema", "json_object"):
        gen["responseMimeType"] = "application/json"
        if fmt.type == "json_schema" and fmt.schema:
            gen["responseSchema"] = clean_schema(fmt.schema)
    if req.reasoning is not None:
        if ir.reasoning_wanted(req.reasoning):
            include = req.reasoning.include_thoughts
            gen["thinkingConfig"] = {"thinkingBudget": ir.budget_for(req.reasoning),
                                     "includeThoughts": True if include is None else include}
        else:
            gen["thinkingConfig"] = {"thinkingBudget": 0}
    if gen:
        body["generationConfig"] = gen
    if req.source == "gemini":
        body.update(req.extra)
    return body


# ---------------------------------------------------------------- response


def decode_usage(u: dict | None) -> ir.Usage | None:
    if not u:
        return None
    thoughts = _get(u, "thoughtsTokenCount") or 0
    return ir.Usage(input=(_get(u, "promptTokenCount") or 0) + (_get(u, "toolUsePromptTokenCount") or 0),
                    output=(_get(u, "candidatesTokenCount") or 0) + thoughts,
                    cache_read=_get(u, "cachedContentTokenCount") or 0, reasoning=thoughts)


def encode_usage(u: ir.Usage | None) -> dict:
    u = u or ir.Usage()
    out = {"promptTokenCount": u.input, "candidatesTokenCount": max(u.output - u.reasoning, 0),
           "totalTokenCount": u.total}
    if u.reasoning:
        out["thoughtsTokenCount"] = u.reasoning
    if u.cache_read:
        out["cachedContentTokenCount"] = u.cache_read
    return out


def _finish_in(reason: str | None, has_tools: bool) -> str | None:
    if reason is None:
        return None
    if has_tools and reason == "STOP":
        return "tool_calls"
    return _FINISH_IN.get(reason, "stop")


def decode_response(body: dict) -> ir.Response:
    candidate = (body.get("candidates") or [{}])[0]
    parts = _decode_parts((candidate.get("content") or {}).get("parts"), "assistant", {})
    reason = _get(candidate, "finishReason")
    has_tools = any(isinstance(p, ir.ToolCall) for p in parts)
    finish = _finish_in(reason, has_tools)
    if not body.get("candidates") and (_get(body, "promptFeedback") or {}).get("blockReason"):
        finish = "content_filter"
    return ir.Response(id=_get(body, "responseId") or "", model=_get(body, "modelVersion") or "", parts=parts,
                       finish=finish or "stop", usage=decode_usage(_get(body, "usageMetadata")))


def _out_parts(parts: list) -> list:
    out = []
    for p in parts:
        if isinstance(p, (ir.Text, ir.Refusal)):
            out.append({"text": p.text})
        elif isinstance(p, ir.Thinking) and not p.redacted:
            part = {"text": p.text, "thought": True}
            if p.signature:
                part["thoughtSignature"] = sig_out(p.origin, p.signature)
            out.append(part)
        elif isinstance(p, ir.ToolCall):
            part = {"functionCall": {"id": p.id, "name": p.name, "args": _args(p.arguments)}}
            if p.signature:
                part["thoughtSignature"] = p.signature
            out.append(part)
    return out


def encode_response(resp: ir.Response, req: ir.Request) -> dict:
    return {
        "candidates": [{"content": {"role": "model", "parts": _out_parts(resp.parts)},
                        "finishReason": _FINISH_OUT.get(resp.finish or "stop", "STOP"), "index": 0}],
        "usageMetadata": encode_usage(resp.usage),
        "modelVersion": resp.model or req.model,
        "responseId": resp.id,
    }


# ---------------------------------------------------------------- errors


def encode_error(status: int, message: str, type: str | None = None, code: str | None = None) -> dict:
    return {"error": {"code": status, "message": message, "status": type or errors.google_status(status)}}


def decode_error(status: int, body: bytes) -> ir.Error:
    return errors.decode_any(status, body)


# ---------------------------------------------------------------- stream


class StreamDecoder(DecoderBase):
    error_type = "INTERNAL"

    def __init__(self) -> None:
        super().__init__()
        self._started = False
        self._has_tools = False

    def feed(self, event: str | None, data: str) -> list:
        data = data.strip()
        if not data or data == "[DONE]":
            return []
        chunk = sse.loads(data)
        if chunk is None:
            return []
        if isinstance(chunk, list):  # a non-SSE streamed array element
            chunk = chunk[0] if chunk else {}
        if chunk.get("error"):
            err = chunk["error"]
            self._errored = True
            return self._close_part() + [ir.ErrorEvent(message=err.get("message", ""), type=err.get("status"),
                                                  status=err.get("code") or 500)]
        out: list = []
        if not self._started:
            self._started = True
            out.append(ir.MessageStart(id=_get(chunk, "responseId") or "", model=_get(chunk, "modelVersion") or ""))
        candidate = (chunk.get("candidates") or [{}])[0]
        for part in (candidate.get("content") or {}).get("parts") or []:
            out += self._part(part)
        usage = decode_usage(_get(chunk, "usageMetadata"))
        if usage:
            out.append(ir.UsageEvent(usage))
        reason = _get(candidate, "finishReason")
        blocked = not chunk.get("candidates") and (_get(chunk, "promptFeedback") or {}).get("blockReason")
        if reason or blocked:
            out += self._close_part()
            self._finished = True
            finish = "content_filter" if blocked else _finish_in(reason, self._has_tools)
            # keep usage last-but-one so encoders see the final counts before finishing
            out.append(ir.Finish(finish))
        return out

    def _part(self, part: dict) -> list:
        out: list = []
        sig = _get(part, "thoughtSignature")
        call = _get(part, "functionCall")
        if call is not None:
            self._has_tools = True
            events, index = self._open("tool_call", tool_id=call.get("id") or ir.new_id("call_"),
                                       tool_name=call.get("name", ""), signature=sig)
            args = json.dumps(call.get("args") or {}, ensure_ascii=False)
            return events + [ir.ToolArgsDelta(index, args)] + self._close_part()
        text = part.get("text")
        if part.get("thought"):
            events, index = self._ensure("thinking", origin=NATIVE)
            out += events
            if text:
                out.append(ir.ThinkingDelta(index, text))
            if sig:
                origin, raw = sig_in(sig)
                out.append(ir.SignatureDelta(index, raw, origin=origin))
            return out
        inline = _get(part, "inlineData")
        if isinstance(inline, dict) and inline.get("data"):  # an image the model made
            return [ir.ImageOutput(inline["data"], _get(inline, "mimeType"))]
        if text:
            events, index = self._ensure("text")
            out += events + [ir.TextDelta(index, text)]
        return out

    def close(self) -> list:
        return self._end(self._close_part())


class StreamEncoder(EncoderBase):
    def __init__(self, req: ir.Request, response_id: str, created: int) -> None:
        super().__init__(req, response_id, created)
        self._calls: dict[int, dict] = {}
        self._origins: dict[int, str | None] = {}

    def _chunk(self, parts: list, **extra) -> bytes:
        candidate = {"content": {"role": "model", "parts": parts}, "index": 0}
        candidate.update(extra)
        body = {"candidates": [candidate], "modelVersion": self.model, "responseId": self.id}
        if "finishReason" in extra:
            body["usageMetadata"] = encode_usage(self._usage)
        return sse.frame(body)

    def _on_part(self, ev) -> bytes:
        if isinstance(ev, ir.PartStart):
            self._origins[ev.index] = ev.origin
            if ev.kind == "tool_call":
                self._calls[ev.index] = {"id": ev.tool_id, "name": ev.tool_name, "args": "", "sig": ev.signature}
            return b""
        if isinstance(ev, ir.TextDelta):
            return self._chunk([{"text": ev.text}])
        if isinstance(ev, ir.ThinkingDelta):
            return self._chunk([{"text": ev.text, "thought": True}])
        if isinstance(ev, ir.SignatureDelta):
            sig = sig_out(ev.origin or self._origins.get(ev.index), ev.signature)
            return self._chunk([{"text": "", "thought": True, "thoughtSignature": sig}])
        if isinstance(ev, ir.ToolArgsDelta) and ev.index in self._calls:
            self._calls[ev.index]["args"] += ev.json  # Gemini sends each call whole
            return b""
        if isinstance(ev, ir.PartStop) and ev.index in self._calls:
            call = self._calls.pop(ev.index)
            part = {"functionCall": {"id": call["id"], "name": call["name"], "args": _args(call["args"])}}
            if call["sig"]:
                part["thoughtSignature"] = call["sig"]
            return self._chunk([part])
        return b""

    def _closing(self) -> bytes:
        out = b"".join(self._on_part(ir.PartStop(i)) for i in list(self._calls))
        reason = _FINISH_OUT.get(self._finish.reason if self._finish else "stop", "STOP")
        return out + self._chunk([{"text": ""}], finishReason=reason)

    def _error(self, status: int, message: str) -> bytes:
        return sse.frame(encode_error(status, message))
