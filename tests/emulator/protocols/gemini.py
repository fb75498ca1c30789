"""Gemini (Generative Language API): generateContent, streamGenerateContent (SSE with alt=sse, else a
streamed JSON array), countTokens, embedContent, batchEmbedContents and the model list.

Wire facts kept: camelCase fields (snake_case accepted on input), SSE events end with CRLF CRLF,
usageMetadata is repeated and cumulative on every stream chunk, candidatesTokenCount excludes
thoughtsTokenCount (totalTokenCount includes both), function calls arrive whole with finishReason STOP.
"""
import json

from ..app import route
from ..behaviour import Prompt, Tool, decide
from ..errors import ApiError, gemini_error_body
from ..tokens import count_words
from ..vectors import embedding_for
from ..wire import body_json, dumps, json_response, split_pieces, sse, stream_response
from .common import require

VERSIONS = r"/(?P<version>v1beta|v1|v1alpha)"


def field(obj, camel, default=None):
    """Read a field in camelCase or snake_case, as the REST API accepts both."""
    if not isinstance(obj, dict):
        return default
    if camel in obj:
        return obj[camel]
    snake = "".join("_" + c.lower() if c.isupper() else c for c in camel)
    return obj.get(snake, default)


def _parts_text(parts):
    return " ".join(p["text"] for p in parts or [] if isinstance(p.get("text"), str) and not p.get("thought"))


def _function_response_text(response):
    if isinstance(response, dict) and len(response) == 1:
        (value,) = response.values()
        if isinstance(value, str):
            return value
    return json.dumps(response, ensure_ascii=False)


def parse_generate(ctx, body, model):
    contents = field(body, "contents")
    require(isinstance(contents, list) and contents, "* GenerateContentRequest.contents: contents is not specified")
    prompt = Prompt(model=model)
    system = field(body, "systemInstruction")
    prompt.system = _parts_text(field(system, "parts")) if isinstance(system, dict) else (system or "")
    for content in contents:
        require(content.get("role", "user") in ("user", "model", "function"), "Please use a valid role: user, model.")
        parts = field(content, "parts") or []
        text = _parts_text(parts)
        prompt.texts.append(text)
        for part in parts:
            if field(part, "inlineData") or field(part, "fileData"):
                prompt.images += 1
            call = field(part, "functionCall")
            if call:
                prompt.texts.append(json.dumps(call.get("args") or {}))
            result = field(part, "functionResponse")
            if result:
                prompt.texts.append(_function_response_text(result.get("response")))
        if content.get("role", "user") == "user" and text:
            prompt.last_user_text = text
    last_results = [field(p, "functionResponse") for p in field(contents[-1], "parts") or []
                    if field(p, "functionResponse")]
    if last_results:
        prompt.tool_result = " ".join(_function_response_text(r.get("response")) for r in last_results)

    for tool in field(body, "tools") or []:
        for decl in field(tool, "functionDeclarations") or []:
            schema = field(decl, "parametersJsonSchema") or field(decl, "parameters") or {}
            prompt.tools.append(Tool(decl.get("name", ""), decl.get("description", ""), schema))
    calling = field(field(body, "toolConfig") or {}, "functionCallingConfig") or {}
    mode = (calling.get("mode") or "AUTO").upper()
    allowed = field(calling, "allowedFunctionNames") or []
    if mode == "ANY":
        prompt.tool_choice = ("tool", allowed[0]) if len(allowed) == 1 else "required"
    elif mode == "NONE":
        prompt.tool_choice = "none"

    config = field(body, "generationConfig") or {}
    schema = field(config, "responseJsonSchema") or config.get("_responseJsonSchema") or field(config, "responseSchema")
    if schema:
        prompt.schema = schema
    elif field(config, "responseMimeType") == "application/json":
        prompt.json_mode = True
    thinking = field(config, "thinkingConfig") or {}
    budget = field(thinking, "thinkingBudget")
    prompt.reasoning = bool(field(thinking, "includeThoughts") or (isinstance(budget, int) and budget != 0)
                            or field(thinking, "thinkingLevel"))
    prompt.max_tokens = field(config, "maxOutputTokens")
    prompt.stop = field(config, "stopSequences") or []
    include_thoughts = bool(field(thinking, "includeThoughts"))
    return prompt, include_thoughts


def _usage(reply, cached, text_so_far=None, thoughts_so_far=None):
    text_tokens = reply.output_tokens - reply.reasoning_tokens
    thoughts = reply.reasoning_tokens
    if text_so_far is not None:
        text_tokens, thoughts = count_words(text_so_far), count_words(thoughts_so_far)
    usage = {"promptTokenCount": reply.input_tokens, "candidatesTokenCount": text_tokens,
             "totalTokenCount": reply.input_tokens + text_tokens + thoughts,
             "promptTokensDetails": [{"modality": "TEXT", "tokenCount": reply.input_tokens}]}
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    if cached:
        usage["cachedContentTokenCount"] = reply.input_tokens // 2
        usage["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": reply.input_tokens // 2}]
    return usage


THOUGHT_SIGNATURE = "ZW11LXRob3VnaHQtc2lnbmF0dXJl"  # base64 of "emu-thought-signature"
FINISH = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"}


def _answer_parts(reply, include_thoughts):
    parts = []
    if reply.reasoning and include_thoughts:
        parts.append({"text": reply.reasoning, "thought": True})
    if reply.text is not None:
        parts.append({"text": reply.text})
    for call in reply.tool_calls:
        parts.append({"functionCall": {"name": call.name, "args": call.arguments}})
    if reply.reasoning:  # signed thinking: the first answer part carries the signature
        answer = next((p for p in parts if not p.get("thought")), None)
        if answer is not None:
            answer["thoughtSignature"] = THOUGHT_SIGNATURE
    return parts


@route("POST", VERSIONS + r"/models/(?P<model>[^/:]+):(?P<action>generateContent|streamGenerateContent)", "gemini")
def generate(ctx, version, model, action):
    body = ctx.json
    if ctx.scenario.has("blocked"):  # a refused prompt is a 200 without candidates
        return body_json(ctx, {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {
            "promptTokenCount": 1, "totalTokenCount": 1}, "modelVersion": model})
    prompt, include_thoughts = parse_generate(ctx, body, model)
    reply = decide(prompt, ctx.new_id)
    ctx.note_reply(reply)
    cached = bool(field(body, "cachedContent")) or ctx.scenario.has("cached")
    base = {"modelVersion": model, "responseId": ctx.new_id("gemini", "")}
    if action == "generateContent":
        candidate = {"content": {"parts": _answer_parts(reply, include_thoughts), "role": "model"},
                     "finishReason": FINISH[reply.finish], "index": 0}
        return body_json(ctx, {"candidates": [candidate], "usageMetadata": _usage(reply, cached), **base})
    chunks = list(_stream_chunks(ctx, reply, include_thoughts, cached, base))
    error = gemini_error_body(500, "server_error")
    if ctx.request.args.get("alt") == "sse":
        return stream_response(ctx, [sse(c, crlf=True) for c in chunks], keepalive=b": keep-alive\r\n\r\n",
                               error_event=sse(error, crlf=True))
    pieces = [("[" if i == 0 else ",\r\n") + dumps(c) for i, c in enumerate(chunks)]
    return stream_response(ctx, [p.encode() for p in pieces], keepalive=None, done=b"]",
                           content_type="application/json")


def _stream_chunks(ctx, reply, include_thoughts, cached, base):
    nousage = ctx.scenario.has("nousage")
    pieces = []  # (part, answer text so far, thoughts so far)
    thoughts = text = ""
    for piece in split_pieces(reply.reasoning or "", ctx.scenario.chunks):
        thoughts += piece
        if include_thoughts:
            pieces.append(({"text": piece, "thought": True}, "", thoughts))
    for piece in split_pieces(reply.text or "", ctx.scenario.chunks):
        text += piece
        pieces.append(({"text": piece}, text, thoughts))
    for call in reply.tool_calls:
        pieces.append(({"functionCall": {"name": call.name, "args": call.arguments}}, text, thoughts))
    if reply.reasoning:
        answer = next((p for p, _, _ in pieces if not p.get("thought")), None)
        if answer is not None:
            answer["thoughtSignature"] = THOUGHT_SIGNATURE
    for index, (part, text_so_far, thoughts_so_far) in enumerate(pieces):
        candidate = {"content": {"parts": [part], "role": "model"}, "index": 0}
        last = index == len(pieces) - 1
        if last:
            candidate["finishReason"] = FINISH[reply.finish]
        chunk = {"candidates": [candidate], **base}
        if not nousage:
            chunk["usageMetadata"] = _usage(reply, cached) if last else _usage(
                reply, cached, text_so_far, thoughts_so_far)
        yield chunk


@route("POST", VERSIONS + r"/models/(?P<model>[^/:]+):countTokens", "gemini")
def count_tokens(ctx, version, model):
    body = ctx.json
    request = field(body, "generateContentRequest") or body
    prompt, _ = parse_generate(ctx, request, model)
    return json_response({"totalTokens": prompt.input_tokens,
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt.input_tokens}]})


def _embedding(request):
    text = _parts_text(field(field(request, "content") or {}, "parts"))
    return {"values": embedding_for(text, field(request, "outputDimensionality"))}, count_words(text)


@route("POST", VERSIONS + r"/models/(?P<model>[^/:]+):embedContent", "gemini")
def embed_content(ctx, version, model):
    embedding, _ = _embedding(ctx.json)
    return body_json(ctx, {"embedding": embedding})


@route("POST", VERSIONS + r"/models/(?P<model>[^/:]+):batchEmbedContents", "gemini")
def batch_embed_contents(ctx, version, model):
    requests = field(ctx.json, "requests")
    require(isinstance(requests, list) and requests, "* BatchEmbedContentsRequest.requests: requests is empty")
    for index, request in enumerate(requests):  # as the real API: each request names the URL's model
        require(field(request, "model") == f"models/{model}",
                f"* BatchEmbedContentsRequest.requests[{index}].model: model must be 'models/{model}'")
    embeddings = [_embedding(r)[0] for r in requests]
    return body_json(ctx, {"embeddings": embeddings})


GEMINI_MODELS = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash", "text-embedding-004",
                 "gemini-embedding-001"]


def _model_info(name):
    methods = ["embedContent", "batchEmbedContents"] if "embedding" in name else [
        "generateContent", "streamGenerateContent", "countTokens"]
    return {"name": f"models/{name}", "version": "001", "displayName": name, "description": f"Emulated {name}",
            "inputTokenLimit": 1048576, "outputTokenLimit": 65536, "supportedGenerationMethods": methods}


@route("GET", r"/(?P<version>v1beta|v1alpha)/models", "gemini")
def list_models(ctx, version):
    return json_response({"models": [_model_info(m) for m in GEMINI_MODELS]})


@route("GET", r"/(?P<version>v1beta|v1alpha)/models/(?P<model>[^/:]+)", "gemini")
def get_model(ctx, version, model):
    if model not in GEMINI_MODELS:
        raise ApiError(404, "not_found", f"models/{model} is not found for API version {version}.")
    return json_response(_model_info(model))
