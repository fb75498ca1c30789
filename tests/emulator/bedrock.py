"""AWS Bedrock runtime: InvokeModel[WithResponseStream] (Claude bodies) and Converse[Stream], SigV4-checked.

Every request must carry a SigV4 signature (service ``bedrock``) that this module recomputes from the request
and the secret of a known access key (``CREDENTIALS``), independently of botocore: unknown key -> 403
UnrecognizedClientException, wrong signature -> 403 InvalidSignatureException. Streams are answered in the
binary ``application/vnd.amazon.eventstream`` framing (prelude, headers, payload, CRC32s): InvokeModel
chunks carry the Anthropic stream event base64-encoded in ``bytes``; ConverseStream sends messageStart,
contentBlockStart/Delta/Stop, messageStop and metadata. The Claude body must have
``anthropic_version: bedrock-2023-05-31`` and no ``model``/``stream`` keys, as Bedrock demands.
InvokeModel also embeds: Titan (``inputText`` -> ``embedding``, ``inputTextTokenCount``) and Cohere Embed
(``texts``, ``input_type`` -> ``embeddings``). Scenario ``streamerror`` sends a modelStreamErrorException frame half-way.
A Claude body's ``anthropic_beta`` must list only flags Bedrock knows (else "invalid beta flag").

Reasoning on Converse follows the family of the model id: Claude takes ``additionalModelRequestFields.thinking``
(budget >= 1024 and below maxTokens, no temperature but 1, no forced tool) and checks the signature of
``reasoningText`` blocks sent back (scenario ``redacted`` answers a ``redactedContent`` block instead); gpt-oss
takes ``reasoning_effort`` (low/medium/high) and always reasons; Nova 2 takes ``reasoningConfig``; DeepSeek R1
always reasons and takes no switch; every other model refuses these fields. ``top_k`` is taken by Claude and
Mistral, by Nova as ``inferenceConfig.topK``, by no other family. Reasoning comes first in the answer
(``reasoningContent``; in a stream, ``contentBlockDelta`` text deltas then the signature).

Images (InvokeModel): Titan Image Generator v2 and Nova Canvas take ``taskType: TEXT_IMAGE`` with
``textToImageParams.text`` and ``imageGenerationConfig`` (numberOfImages 1-5; Titan: its fixed resolutions;
Nova: sides 320-4096 in steps of 16) -> ``{"images": [...]}``; Stability models take ``prompt``,
``aspect_ratio``, ``output_format`` -> ``{"seeds", "finish_reasons", "images"}`` (scenario ``blocked``: filtered).
"""
import base64
import hashlib
import hmac
import json
import re
import struct
import zlib
from urllib.parse import quote

from werkzeug.wrappers import Response

from .app import route
from .behaviour import Prompt, Tool, decide
from .errors import ApiError
from .media import png
from .protocols import anthropic as anthropic_protocol
from .tokens import count_words
from .vectors import embedding_for
from .wire import paced, split_pieces

ACCESS_KEY = "AKIAEMULATOR00000001"
SECRET_KEY = "emu/bedrock/secret+key0000000000000000000"
CREDENTIALS = {ACCESS_KEY: SECRET_KEY}
EVENT_STREAM = "application/vnd.amazon.eventstream"
ANTHROPIC_VERSION = "bedrock-2023-05-31"
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
BETAS = {"computer-use-2024-10-22", "computer-use-2025-01-24", "token-efficient-tools-2025-02-19",
         "interleaved-thinking-2025-05-14", "output-128k-2025-02-19", "dev-full-thinking-2025-05-14",
         "context-1m-2025-08-07", "context-management-2025-06-27", "effort-2025-11-24", "tool-search-tool-2025-10-19",
         "tool-examples-2025-10-29"}
REDACTED = base64.b64encode(b"emu-redacted-thinking").decode()
TITAN_SIZES = {(1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384), (768, 1280),
               (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896), (576, 448), (768, 1408),
               (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704), (1408, 640), (704, 320), (1152, 640),
               (1173, 640)}
STABILITY_RATIOS = {"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"}
_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=(?P<ak>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
                   r"/aws4_request, ?SignedHeaders=(?P<signed>[^,]+), ?Signature=(?P<sig>[0-9a-f]{64})")


class AwsError(Exception):
    def __init__(self, status, error_type, message):
        super().__init__(message)
        self.status, self.error_type, self.message = status, error_type, message

    def response(self):
        return Response(json.dumps({"message": self.message}), status=self.status, mimetype="application/json",
                        headers={"x-amzn-ErrorType": f"{self.error_type}:http://internal.amazon.com/coral/"})


# ---- SigV4, recomputed ---------------------------------------------------------------------------------

def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _canonical_query(query_string):
    pairs = []
    for item in filter(None, query_string.split("&")):
        name, _, value = item.partition("=")
        pairs.append((quote(_unquote(name), safe="-_.~"), quote(_unquote(value), safe="-_.~")))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def _unquote(text):
    from urllib.parse import unquote
    return unquote(text)


def sigv4_signature(secret, method, raw_path, query_string, headers, signed_headers, body, amz_date, region,
                    service):
    """The hex SigV4 signature of a request as AWS computes it for non-S3 services (path encoded twice)."""
    canonical_headers = "".join(f"{name}:{' '.join(str(headers.get(name, '')).split())}\n"
                                for name in signed_headers)
    canonical = "\n".join([method, quote(raw_path, safe="/~"), _canonical_query(query_string), canonical_headers,
                           ";".join(signed_headers), hashlib.sha256(body).hexdigest()])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), amz_date[:8]), region), service), "aws4_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def verify_sigv4(method, raw_path, query_string, headers, body, credentials=None):
    """Check a request's SigV4 Authorization header; returns (access key, region, service) or raises AwsError."""
    headers = {k.lower(): v for k, v in headers.items()}
    found = _AUTH.fullmatch(headers.get("authorization", "").strip())
    if not found:
        raise AwsError(403, "IncompleteSignatureException", "Authorization header requires 'Credential', "
                       "'SignedHeaders' and 'Signature' parameters.")
    secret = (credentials or CREDENTIALS).get(found["ak"])
    if secret is None:
        raise AwsError(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
    amz_date = headers.get("x-amz-date", "")
    signed = found["signed"].split(";")
    if "host" not in signed or amz_date[:8] != found["date"]:
        raise AwsError(403, "InvalidSignatureException", "Signature must cover host and match X-Amz-Date.")
    expected = sigv4_signature(secret, method, raw_path, query_string, headers, signed, body, amz_date,
                               found["region"], found["service"])
    if not hmac.compare_digest(expected, found["sig"]):
        raise AwsError(403, "InvalidSignatureException", "The request signature we calculated does not match the "
                       "signature you provided. Check your AWS Secret Access Key and signing method. Consult the "
                       "service documentation for details.")
    return found["ak"], found["region"], found["service"]


def _raw_path(request):
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0]
    return quote(request.path, safe="/-_.~")


# ---- event-stream framing ------------------------------------------------------------------------------

def _header(name, value):
    name_bytes, value_bytes = name.encode(), value.encode()
    return struct.pack("!B", len(name_bytes)) + name_bytes + b"\x07" + struct.pack("!H", len(value_bytes)) + value_bytes


def event_frame(headers, payload):
    """One AWS event-stream message: total length, headers length, prelude CRC, headers, payload, CRC."""
    header_bytes = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(header_bytes) + len(payload) + 4
    prelude = struct.pack("!II", total, len(header_bytes))
    prelude += struct.pack("!I", zlib.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + header_bytes + payload
    return message + struct.pack("!I", zlib.crc32(message) & 0xFFFFFFFF)


def parse_frames(data):
    """Decode a whole event stream into [(headers, payload)], checking both CRCs (for tests)."""
    out, offset = [], 0
    while offset < len(data):
        total, header_len = struct.unpack_from("!II", data, offset)
        (prelude_crc,) = struct.unpack_from("!I", data, offset + 8)
        assert zlib.crc32(data[offset:offset + 8]) & 0xFFFFFFFF == prelude_crc, "prelude CRC"
        message = data[offset:offset + total]
        assert zlib.crc32(message[:-4]) & 0xFFFFFFFF == struct.unpack("!I", message[-4:])[0], "message CRC"
        headers, pos = {}, 12
        while pos < 12 + header_len:
            name_len = message[pos]
            name = message[pos + 1:pos + 1 + name_len].decode()
            pos += 1 + name_len + 1
            (value_len,) = struct.unpack_from("!H", message, pos)
            headers[name] = message[pos + 2:pos + 2 + value_len].decode()
            pos += 2 + value_len
        out.append((headers, message[12 + header_len:-4]))
        offset += total
    return out


def _event(event_type, payload):
    return event_frame({":event-type": event_type, ":content-type": "application/json", ":message-type": "event"},
                       json.dumps(payload, separators=(",", ":")).encode())


def _exception(exception_type, message):
    return event_frame({":exception-type": exception_type, ":content-type": "application/json",
                        ":message-type": "exception"}, json.dumps({"message": message}).encode())


def _stream(ctx, frames):
    error = _exception("modelStreamErrorException", "The model stream failed (emulated).")
    return Response(paced(ctx, frames, keepalive=None, error_event=error), content_type=EVENT_STREAM,
                    direct_passthrough=True, headers={"x-amzn-RequestId": ctx.new_id("req", "-")})


# ---- InvokeModel (Claude) ------------------------------------------------------------------------------

class _WithBody:
    """The handler context with another JSON body (the recorded request keeps what was sent)."""

    def __init__(self, ctx, body):
        self._ctx, self.json = ctx, body

    def __getattr__(self, name):
        return getattr(self._ctx, name)


def _embed(ctx, model_id):
    body = ctx.json
    if "titan-embed" in model_id:
        text = body.get("inputText")
        if not isinstance(text, str) or not text or set(body) - {"inputText", "dimensions", "normalize",
                                                                   "embeddingTypes"}:
            raise AwsError(400, "ValidationException", "Malformed input request: expected inputText (string) "
                           "and optional dimensions, normalize, embeddingTypes.")
        tokens = count_words(text)
        ctx.note_reply({"input_tokens": tokens, "output_tokens": 0})
        return Response(json.dumps({"embedding": embedding_for(text, body.get("dimensions") or 1024),
                                    "inputTextTokenCount": tokens}), mimetype="application/json")
    texts = body.get("texts")
    if not isinstance(texts, list) or not texts or not body.get("input_type"):
        raise AwsError(400, "ValidationException", "Malformed input request: texts and input_type are required.")
    ctx.note_reply({"input_tokens": sum(count_words(t) for t in texts), "output_tokens": 0})
    return Response(json.dumps({"id": ctx.new_id("emb", "-"), "response_type": "embeddings_floats", "texts": texts,
                                "embeddings": [embedding_for(t, 1024) for t in texts]}), mimetype="application/json")


def _bad_image(message):
    return AwsError(400, "ValidationException", f"Malformed input request: {message}, please reformat your input "
                    "and try again.")


def _image(ctx, model_id):
    body = ctx.json
    if "stability." in model_id:
        if set(body) - {"prompt", "aspect_ratio", "output_format", "seed", "negative_prompt", "mode"} or not \
                isinstance(body.get("prompt"), str):
            raise _bad_image("#: required key [prompt] not found or extraneous key found")
        if body.get("aspect_ratio", "1:1") not in STABILITY_RATIOS or body.get("output_format", "png") not in (
                "png", "jpeg"):
            raise _bad_image("#/aspect_ratio or #/output_format: not a valid enum value")
        if ctx.scenario.has("blocked"):
            ctx.note_reply({"images": 0})
            return Response(json.dumps({"finish_reasons": ["Filter reason: prompt"]}), mimetype="application/json")
        ctx.note_reply({"images": 1, "aspect_ratio": body.get("aspect_ratio", "1:1")})
        return Response(json.dumps({"seeds": [42], "finish_reasons": [None],
                                    "images": [base64.b64encode(png(2, 1)).decode()]}), mimetype="application/json")
    params, config = body.get("textToImageParams") or {}, body.get("imageGenerationConfig") or {}
    if body.get("taskType") != "TEXT_IMAGE" or set(body) - {"taskType", "textToImageParams", "imageGenerationConfig"}:
        raise _bad_image("#/taskType: TEXT_IMAGE with textToImageParams and imageGenerationConfig expected")
    if not isinstance(params.get("text"), str) or not 1 <= len(params["text"]) <= 1024:
        raise _bad_image("#/textToImageParams/text: expected length 1-1024")
    if set(config) - {"numberOfImages", "width", "height", "quality", "cfgScale", "seed"}:
        raise _bad_image("#/imageGenerationConfig: extraneous key")
    count, width, height = config.get("numberOfImages", 1), config.get("width", 1024), config.get("height", 1024)
    if not isinstance(count, int) or not 1 <= count <= 5 or config.get("quality", "standard") not in (
            "standard", "premium"):
        raise _bad_image("#/imageGenerationConfig: numberOfImages 1-5 and quality standard or premium expected")
    if "nova" in model_id:
        sides_ok = all(isinstance(v, int) and 320 <= v <= 4096 and v % 16 == 0 for v in (width, height))
        if not sides_ok or not 0.25 <= width / height <= 4 or width * height > 4_194_304:
            raise AwsError(400, "ValidationException", "The width and height must be 320-4096 pixels, divisible "
                           "by 16, with an aspect ratio from 1:4 to 4:1 and at most 4,194,304 pixels.")
    elif (width, height) not in TITAN_SIZES:
        raise AwsError(400, "ValidationException", f"Unsupported image size {width}x{height}.")
    ctx.note_reply({"images": count, "width": width, "height": height})
    image = base64.b64encode(png(2, 2)).decode()
    return Response(json.dumps({"images": [image] * count, "error": None}), mimetype="application/json")


def _invoke(ctx, model_id, stream):
    body = ctx.json
    if "embed" in model_id and not stream:
        return _embed(ctx, model_id)
    if ("image" in model_id or "canvas" in model_id or "stability." in model_id) and not stream:
        return _image(ctx, model_id)
    if "anthropic" not in model_id and not model_id.startswith("arn:"):  # an ARN may name a Claude profile
        raise AwsError(400, "ValidationException", f"The emulator serves InvokeModel for Claude only ({model_id}).")
    for key in ("model", "stream"):
        if key in body:
            raise AwsError(400, "ValidationException", f"Malformed input request: #: extraneous key [{key}] is not "
                           "permitted, please reformat your input and try again.")
    if body.get("anthropic_version") != ANTHROPIC_VERSION:
        raise AwsError(400, "ValidationException", "Malformed input request: #: required key [anthropic_version] "
                       "not found or invalid, please reformat your input and try again.")
    betas = body.get("anthropic_beta", [])
    if not isinstance(betas, list) or any(b not in BETAS for b in betas):
        raise AwsError(400, "ValidationException", "invalid beta flag")
    claude_body = {k: v for k, v in body.items() if k != "anthropic_beta"} | {"model": model_id}
    prompt, cache = anthropic_protocol.parse_messages(ctx, claude_body)
    reply = decide(prompt, lambda _prefix: ctx.new_id("toolu_bdrk"))
    ctx.note_reply(reply)
    stop_reason = "stop_sequence" if reply.stop_sequence else anthropic_protocol.STOP_REASONS[reply.finish]
    message = {"id": ctx.new_id("msg_bdrk"), "type": "message", "role": "assistant", "model": model_id,
               "content": anthropic_protocol.content_blocks(reply), "stop_reason": stop_reason,
               "stop_sequence": reply.stop_sequence, "usage": anthropic_protocol.usage_of(ctx, reply, cache)}
    if not stream:
        return Response(json.dumps(message), mimetype="application/json",
                        headers={"X-Amzn-Bedrock-Input-Token-Count": str(message["usage"]["input_tokens"]),
                                 "X-Amzn-Bedrock-Output-Token-Count": str(message["usage"]["output_tokens"])})
    frames = []
    for raw in anthropic_protocol._events(_WithBody(ctx, claude_body), message, reply, cache):
        event = json.loads(raw.decode().split("data: ", 1)[1])
        if event["type"] == "ping":
            continue
        if event["type"] == "message_stop":
            event["amazon-bedrock-invocationMetrics"] = {
                "inputTokenCount": reply.input_tokens, "outputTokenCount": reply.output_tokens,
                "invocationLatency": 1, "firstByteLatency": 1}
        encoded = base64.b64encode(json.dumps(event, separators=(",", ":")).encode()).decode()
        frames.append(_event("chunk", {"bytes": encoded, "p": "abcdefgh"}))
    return _stream(ctx, frames)


# ---- Converse ------------------------------------------------------------------------------------------

def _block_text(block):
    if "text" in block:
        return block["text"]
    if "json" in block:
        return json.dumps(block["json"])
    return ""


def parse_converse(body, model_id):
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise AwsError(400, "ValidationException", "A conversation must start with a user message.")
    prompt = Prompt(model=model_id)
    prompt.system = "\n".join(s.get("text", "") for s in body.get("system") or [])
    inference = body.get("inferenceConfig") or {}
    prompt.max_tokens = inference.get("maxTokens")
    prompt.stop = inference.get("stopSequences") or []
    tool_config = body.get("toolConfig") or {}
    for tool in tool_config.get("tools") or []:
        spec = tool.get("toolSpec") or {}
        schema = (spec.get("inputSchema") or {}).get("json")
        if not spec.get("name") or not isinstance(schema, dict):
            raise AwsError(400, "ValidationException", "toolSpec needs a name and inputSchema.json")
        prompt.tools.append(Tool(spec["name"], spec.get("description", ""), schema))
    choice = tool_config.get("toolChoice") or {"auto": {}}
    prompt.tool_choice = ("tool", choice["tool"]["name"]) if "tool" in choice else (
        "required" if "any" in choice else "auto")
    expected_role, previous_ids, results = "user", set(), []
    for index, message in enumerate(messages):
        role = message.get("role")
        if role != expected_role:
            raise AwsError(400, "ValidationException", "A conversation must alternate between user and assistant "
                           "roles. Make sure the conversation alternates between user and assistant roles and "
                           "try again.")
        expected_role = "assistant" if role == "user" else "user"
        ids, results = set(), []
        for block in message.get("content") or []:
            if "toolUse" in block:
                ids.add(block["toolUse"].get("toolUseId"))
                prompt.texts.append(json.dumps(block["toolUse"].get("input") or {}))
            elif "toolResult" in block:
                result = block["toolResult"]
                if result.get("toolUseId") not in previous_ids:
                    raise AwsError(400, "ValidationException", f"messages.{index}: toolResult "
                                   f"{result.get('toolUseId')} does not match a toolUse of the previous turn.")
                text = " ".join(_block_text(c) for c in result.get("content") or [])
                results.append(text)
                prompt.texts.append(text)
            elif "reasoningContent" in block:
                _check_reasoning_block(block["reasoningContent"], model_id, index)
            elif "image" in block or "document" in block:
                prompt.images += 1
            elif "text" in block:
                prompt.texts.append(block["text"])
        previous_ids = ids
        if role == "user":
            prompt.last_user_text = " ".join(b["text"] for b in message.get("content") or [] if "text" in b)
    if messages[-1]["role"] != "user":
        raise AwsError(400, "ValidationException", "A conversation must end with a user message.")
    if results:
        prompt.tool_result = " ".join(results)
    return prompt


def family(model_id):
    name = model_id.lower()
    if "anthropic." in name or "claude" in name:
        return "claude"
    return next((known for known in ("gpt-oss", "nova-2", "nova", "deepseek", "mistral") if known in name), None)


def _check_reasoning_block(reasoning, model_id, index):
    if family(model_id) != "claude":
        raise AwsError(400, "ValidationException", f"messages.{index}: This model doesn't support the "
                       "reasoningContent field.")
    if "redactedContent" in reasoning:
        if reasoning["redactedContent"] != REDACTED:
            raise AwsError(400, "ValidationException", f"messages.{index}: Invalid redactedContent.")
        return
    text = reasoning.get("reasoningText") or {}
    if text.get("signature") != anthropic_protocol.thinking_signature(text.get("text", "")):
        raise AwsError(400, "ValidationException", f"messages.{index}: Invalid `signature` in `thinking` block")


def wants_reasoning(body, model_id):
    """Whether the model reasons for this request; ``additionalModelRequestFields`` is checked for the model's
    family as Bedrock does (its reasoning switch, top-k, nothing else)."""
    fields = body.get("additionalModelRequestFields") or {}
    kind = family(model_id)
    if kind == "claude":
        thinking, extra = fields.get("thinking") or {}, sorted(set(fields) - {"thinking", "top_k", "anthropic_beta"})
        if extra:
            raise AwsError(400, "ValidationException", f"The model returned the following errors: {extra[0]}: "
                           "Extra inputs are not permitted")
        if thinking.get("type") != "enabled":
            return False
        budget, limit = thinking.get("budget_tokens"), (body.get("inferenceConfig") or {}).get("maxTokens")
        inference, choice = body.get("inferenceConfig") or {}, (body.get("toolConfig") or {}).get("toolChoice") or {}
        if not isinstance(budget, int) or budget < 1024 or (limit is not None and budget >= limit):
            raise AwsError(400, "ValidationException", "The model returned the following errors: thinking."
                           "budget_tokens must be at least 1024 and less than max_tokens")
        if inference.get("temperature", 1) != 1 or "topP" in inference or "top_k" in fields:
            raise AwsError(400, "ValidationException", "The model returned the following errors: temperature may "
                           "only be set to 1 when thinking is enabled")
        if "tool" in choice or "any" in choice:
            raise AwsError(400, "ValidationException", "The model returned the following errors: Thinking may not "
                           "be enabled when tool_choice forces tool use.")
        return True
    if kind == "gpt-oss":
        unknown = sorted(set(fields) - {"reasoning_effort"})
        if unknown or fields.get("reasoning_effort", "medium") not in ("low", "medium", "high"):
            raise AwsError(400, "ValidationException", "The model returned the following errors: Failed to "
                           f"deserialize the JSON body into the target type: {(unknown or ['reasoning_effort'])[0]}: "
                           "unknown field or variant")
        return True
    allowed = {"mistral": {"top_k"}, "nova": {"inferenceConfig"},
               "nova-2": {"inferenceConfig", "reasoningConfig"}}.get(kind, set())
    extra = sorted(set(fields) - allowed) or sorted(set(fields.get("inferenceConfig") or {}) - {"topK"})
    if extra:
        raise AwsError(400, "ValidationException", "The model returned the following errors: Malformed input "
                       f"request: extraneous key [{extra[0]}] is not permitted")
    config = fields.get("reasoningConfig")
    if config is None or config.get("type") == "disabled":
        return kind == "deepseek"
    if config.get("type") != "enabled" or config.get("maxReasoningEffort") not in ("low", "medium", "high"):
        raise AwsError(400, "ValidationException", "reasoningConfig: type enabled needs maxReasoningEffort low, "
                       "medium or high")
    return True


def _reasoning_block(ctx, reasoning, model_id):
    if family(model_id) != "claude":
        return {"reasoningContent": {"reasoningText": {"text": reasoning}}}
    if ctx.scenario.has("redacted"):
        return {"reasoningContent": {"redactedContent": REDACTED}}
    return {"reasoningContent": {"reasoningText": {
        "text": reasoning, "signature": anthropic_protocol.thinking_signature(reasoning)}}}


def _reasoning_frames(ctx, index, reasoning):
    deltas = [{"redactedContent": reasoning["redactedContent"]}] if "redactedContent" in reasoning else [
        {"text": piece} for piece in split_pieces(reasoning["reasoningText"]["text"], ctx.scenario.chunks)]
    if "signature" in reasoning.get("reasoningText", {}):
        deltas.append({"signature": reasoning["reasoningText"]["signature"]})
    return [_event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"reasoningContent": d}})
            for d in deltas]


def _converse(ctx, model_id, stream):
    body = ctx.json
    if "modelId" in body or "model" in body:
        raise AwsError(400, "ValidationException", "Unexpected field: model (the model id is part of the path).")
    prompt = parse_converse(body, model_id)
    prompt.reasoning = wants_reasoning(body, model_id)
    reply = decide(prompt, lambda _prefix: ctx.new_id("tooluse", "_"))
    ctx.note_reply(reply)
    stop_reason = STOP_REASONS[reply.finish]
    usage = {"inputTokens": reply.input_tokens, "outputTokens": reply.output_tokens,
             "totalTokens": reply.input_tokens + reply.output_tokens}
    content = ([_reasoning_block(ctx, reply.reasoning, model_id)] if reply.reasoning else []) + (
        [{"text": reply.text}] if reply.text is not None else []) + [
        {"toolUse": {"toolUseId": c.id, "name": c.name, "input": c.arguments}} for c in reply.tool_calls]
    if not stream:
        return Response(json.dumps({"output": {"message": {"role": "assistant", "content": content}},
                                    "stopReason": stop_reason, "usage": usage, "metrics": {"latencyMs": 1}}),
                        mimetype="application/json")
    frames = [_event("messageStart", {"role": "assistant", "p": "ab"})]
    for index, block in enumerate(content):
        if "reasoningContent" in block:
            frames += _reasoning_frames(ctx, index, block["reasoningContent"])
        elif "text" in block:
            for piece in split_pieces(block["text"], ctx.scenario.chunks):
                frames.append(_event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": piece}}))
        else:
            use = block["toolUse"]
            frames.append(_event("contentBlockStart", {"contentBlockIndex": index, "start": {
                "toolUse": {"toolUseId": use["toolUseId"], "name": use["name"]}}}))
            for piece in split_pieces(json.dumps(use["input"]), ctx.scenario.chunks):
                frames.append(_event("contentBlockDelta", {"contentBlockIndex": index,
                                                           "delta": {"toolUse": {"input": piece}}}))
        frames.append(_event("contentBlockStop", {"contentBlockIndex": index}))
    frames.append(_event("messageStop", {"stopReason": stop_reason}))
    frames.append(_event("metadata", {"usage": usage, "metrics": {"latencyMs": 1}}))
    return _stream(ctx, frames)


@route("POST", r"/model/(?P<model_id>.+)/(?P<action>invoke|invoke-with-response-stream|converse|converse-stream)",
       "bedrock")
def bedrock_runtime(ctx, model_id, action):
    request = ctx.request
    try:
        verify_sigv4(request.method, _raw_path(request), request.query_string.decode(), dict(request.headers),
                     request.get_data())
        if action.startswith("invoke"):
            return _invoke(ctx, model_id, action.endswith("stream"))
        return _converse(ctx, model_id, action.endswith("stream"))
    except AwsError as err:
        return err.response()
    except ApiError as err:  # validation raised by the shared Anthropic parser
        return AwsError(err.status, "ValidationException", err.message or err.kind).response()
