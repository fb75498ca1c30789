"""AWS Bedrock (channel type 33): a native adaptor (see the package docstring for the hooks).

Claude models go through InvokeModel / InvokeModelWithResponseStream with an Anthropic Messages body
(``anthropic_version: bedrock-2023-05-31``, no ``model`` or ``stream`` field; the client's ``anthropic-beta``
header becomes the body's ``anthropic_beta`` list, keeping the flags Bedrock accepts); the other families (Llama,
Mistral, Cohere, DeepSeek, Amazon Nova, gpt-oss, ...) through Converse / ConverseStream (codec
``bedrock_converse``, whose reasoning wish is shaped here once the model id is known). Requests are signed with
SigV4 by botocore, imported on first use so workers that never call Bedrock do not load it. Streams come back in
AWS's binary event-stream framing and are re-framed as SSE. Embeddings (``/v1/embeddings``, Titan and Cohere
Embed: ``bedrock_embeddings``) and image generations (``/v1/images/generations``, Titan Image, Nova Canvas,
Stability: ``bedrock_images``) use InvokeModel and are answered in OpenAI's shapes; their target URLs carry a
``#embeddings`` / ``#images`` marker for ``reframe``.

Credentials: channel config ``ak``, ``sk``, ``region`` (and optional ``session_token``), or the key as
``ak|sk|region`` (the original's form). The model id is, in order: the channel's ``inference_profile_arn_map``
entry (fork column, JSON ``{"model": "arn or profile id"}``), the known-name table,
``anthropic.<claude-name>-v1:0`` for other dated Claude names, else the name as given; Claude models that Bedrock
serves only through cross-region inference profiles get the region's geography prefix (``us.``, ``eu.``,
``apac.``).
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from oneapi.relay.errors import RelayError
from oneapi.relay.providers import Target, channel_config
from oneapi.relay.providers import bedrock_converse, bedrock_embeddings, bedrock_images
from oneapi.relay.providers.bedrock_images import is_image_model
from oneapi.relay.providers.chat_bridge import fragment

TYPES = {33}
CODECS = {"converse": bedrock_converse}
INLINE_IMAGES = True  # neither InvokeModel (Claude) nor Converse fetches image URLs
ANTHROPIC_VERSION = "bedrock-2023-05-31"
SIGNING_NAME = "bedrock"
EVENT_STREAM = "application/vnd.amazon.eventstream"
_CHAT_MODES = {"chat", "claude", "responses", "gemini"}  # the relay modes with a conversion-hub format
# The anthropic_beta flags Bedrock's Claude accepts; it refuses a request naming any other ("invalid beta flag").
BEDROCK_BETAS = frozenset({
    "computer-use-2024-10-22", "computer-use-2025-01-24", "token-efficient-tools-2025-02-19",
    "interleaved-thinking-2025-05-14", "output-128k-2025-02-19", "dev-full-thinking-2025-05-14",
    "context-1m-2025-08-07", "context-management-2025-06-27", "effort-2025-11-24", "tool-search-tool-2025-10-19",
    "tool-examples-2025-10-29"})

# Names clients use -> Bedrock model ids (as the original's table, plus the other families it serves).
MODEL_IDS = {
    "claude-instant-1.2": "anthropic.claude-instant-v1",
    "claude-2.0": "anthropic.claude-v2",
    "claude-2.1": "anthropic.claude-v2:1",
    "claude-3-sonnet-20240229": "anthropic.claude-3-sonnet-20240229-v1:0",
    "claude-3-opus-20240229": "anthropic.claude-3-opus-20240229-v1:0",
    "claude-3-haiku-20240307": "anthropic.claude-3-haiku-20240307-v1:0",
    "claude-3-5-sonnet-20240620": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "claude-3-5-sonnet-20241022": "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "claude-3-5-haiku-20241022": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "claude-3-7-sonnet-20250219": "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "claude-sonnet-4-20250514": "anthropic.claude-sonnet-4-20250514-v1:0",
    "claude-opus-4-20250514": "anthropic.claude-opus-4-20250514-v1:0",
    "claude-opus-4-1-20250805": "anthropic.claude-opus-4-1-20250805-v1:0",
    "claude-sonnet-4-5-20250929": "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "claude-haiku-4-5-20251001": "anthropic.claude-haiku-4-5-20251001-v1:0",
    "llama3-8b-8192": "meta.llama3-8b-instruct-v1:0",
    "llama3-70b-8192": "meta.llama3-70b-instruct-v1:0",
    "llama3-1-8b-128k": "meta.llama3-1-8b-instruct-v1:0",
    "llama3-1-70b-128k": "meta.llama3-1-70b-instruct-v1:0",
    "llama3-3-70b-instruct": "meta.llama3-3-70b-instruct-v1:0",
    "mistral-large-2402": "mistral.mistral-large-2402-v1:0",
    "mistral-small-2402": "mistral.mistral-small-2402-v1:0",
    "command-r": "cohere.command-r-v1:0",
    "command-r-plus": "cohere.command-r-plus-v1:0",
    "deepseek-r1": "deepseek.r1-v1:0",
    "nova-micro": "amazon.nova-micro-v1:0",
    "nova-lite": "amazon.nova-lite-v1:0",
    "nova-pro": "amazon.nova-pro-v1:0",
    "gpt-oss-20b": "openai.gpt-oss-20b-1:0",
    "gpt-oss-120b": "openai.gpt-oss-120b-1:0",
    "nova-2-lite": "amazon.nova-2-lite-v1:0",
    "titan-embed-text-v2": "amazon.titan-embed-text-v2:0",
    "cohere-embed-english-v3": "cohere.embed-english-v3",
    "cohere-embed-multilingual-v3": "cohere.embed-multilingual-v3",
    "titan-image-generator-v2": "amazon.titan-image-generator-v2:0",
    "nova-canvas": "amazon.nova-canvas-v1:0",
    "stable-image-core": "stability.stable-image-core-v1:1",
    "stable-image-ultra": "stability.stable-image-ultra-v1:1",
    "sd3.5-large": "stability.sd3-5-large-v1:0",
}
# Served on demand in the base id only; every newer Claude (and DeepSeek R1) needs an inference profile.
_ON_DEMAND = {"anthropic.claude-instant-v1", "anthropic.claude-v2", "anthropic.claude-v2:1",
              "anthropic.claude-3-sonnet-20240229-v1:0", "anthropic.claude-3-opus-20240229-v1:0",
              "anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0",
              "anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic.claude-3-5-haiku-20241022-v1:0"}
_PROFILE_FAMILIES = ("anthropic.", "deepseek.", "meta.llama3-3", "amazon.nova")
_GEOGRAPHY = (("us-gov-", "us-gov"), ("us-", "us"), ("ca-", "us"), ("eu-", "eu"), ("ap-", "apac"))
_CLAUDE_DATED = re.compile(r"^claude-[a-z0-9-]+-\d{8}$")


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    region: str
    session_token: str | None = None


def credentials(channel) -> Credentials:
    cfg = channel_config(channel)
    key_parts = (channel.key or "").strip().split("|")
    access = cfg.get("ak") or (key_parts[0] if len(key_parts) >= 2 else "")
    secret = cfg.get("sk") or (key_parts[1] if len(key_parts) >= 2 else "")
    region = cfg.get("region") or (key_parts[2] if len(key_parts) >= 3 else "") or "us-east-1"
    return Credentials(access.strip(), secret.strip(), region.strip(), cfg.get("session_token") or None)


def is_claude(model: str) -> bool:
    return "claude" in (model or "").lower()


def is_embedding(model: str) -> bool:
    return "embed" in (model or "").lower()


def geography(region: str) -> str | None:
    for prefix, geo in _GEOGRAPHY:
        if region.startswith(prefix):
            return geo
    return None


def profile_arn_map(channel) -> dict:
    text = (getattr(channel, "inference_profile_arn_map", None) or "").strip()
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def model_id(channel, model: str, region: str) -> str:
    """The Bedrock model id (or inference profile id / ARN) a client model name is sent as."""
    mapped = profile_arn_map(channel).get(model)
    if isinstance(mapped, str) and mapped.strip():
        return mapped.strip()
    base = MODEL_IDS.get(model)
    if base is None and _CLAUDE_DATED.match(model):
        base = f"anthropic.{model}-v1:0"
    if base is None:
        base = model  # a Bedrock id, inference profile id or ARN given as is
    geo = geography(region)
    if geo and base not in _ON_DEMAND and base.startswith(_PROFILE_FAMILIES) and not is_image_model(base):
        return f"{geo}.{base}"
    return base


def endpoint(channel, region: str) -> str:
    explicit = (channel.base_url or "").strip().rstrip("/")
    return explicit or f"https://bedrock-runtime.{region}.amazonaws.com"


# ---- hooks ---------------------------------------------------------------------------------------------

def body_format(model: str, mode: str) -> str | None:
    if (mode == "embeddings" and is_embedding(model)) or (mode == "images" and is_image_model(model)):
        return "raw"
    if mode not in _CHAT_MODES:
        return None
    return "claude" if is_claude(model) else "converse"


def target(channel, path: str, model: str, stream: bool) -> Target:
    creds = credentials(channel)
    resolved = quote(model_id(channel, model, creds.region), safe="")  # ':' and an ARN's '/' are escaped
    marker = {"/v1/embeddings": bedrock_embeddings.MARKER,
              "/v1/images/generations": bedrock_images.MARKER}.get(path.split("?")[0])
    if marker:
        action = f"invoke#{marker}"  # the marker tells reframe what the answer is (never sent)
    elif is_claude(model):
        action = "invoke-with-response-stream" if stream else "invoke"
    else:
        action = "converse-stream" if stream else "converse"
    headers = {"Accept": EVENT_STREAM if stream else "application/json"}
    return Target(f"{endpoint(channel, creds.region)}/model/{resolved}/{action}", headers, "native")


def _anthropic_betas(body: dict) -> None:
    """The client's ``anthropic-beta`` header (and any ``anthropic_beta`` in the body) as the body's list."""
    from flask import has_request_context, request
    wanted = body.pop("anthropic_beta", None) or []
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    if has_request_context():
        wanted += request.headers.get("anthropic-beta", "").split(",")
    betas = list(dict.fromkeys(b.strip() for b in wanted if isinstance(b, str) and b.strip() in BEDROCK_BETAS))
    if betas:
        body["anthropic_beta"] = betas


def _hand_over(name: str, value) -> None:
    """Something ``reframe`` needs from ``prepare_body``: the same attempt runs both in one request context."""
    from flask import g, has_app_context
    if has_app_context():
        setattr(g, f"bedrock_{name}", value)


def _taken(name: str):
    from flask import g, has_app_context
    return g.pop(f"bedrock_{name}", None) if has_app_context() else None


def _embeddings_body(channel, body: dict, model: str) -> dict:
    _hand_over("fanout", [])  # nothing left over from an earlier attempt
    texts = bedrock_embeddings.texts_of(body)
    if bedrock_embeddings.is_cohere(model):
        return bedrock_embeddings.cohere_body(texts)
    first, *rest = bedrock_embeddings.titan_bodies(body, texts)
    url = target(channel, "/v1/embeddings", model, False).url
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    signed = []
    for other in rest:  # signed now, while the channel is at hand; sent by reframe
        data = json.dumps(other, ensure_ascii=False, separators=(",", ":")).encode()
        signed.append((sign(channel, "POST", url, headers, data), data))
    _hand_over("fanout", signed)
    return first


def prepare_body(channel, body: dict, model: str, stream: bool) -> bytes:
    if is_embedding(model) and "input" in body:
        body = _embeddings_body(channel, body, model)
    elif is_image_model(model) and "prompt" in body:
        _hand_over("image_format", body.get("response_format"))
        body = bedrock_images.request_body(body, model)
    body.pop("model", None)
    body.pop("stream", None)
    if is_claude(model):
        body.pop("stream_options", None)
        body["anthropic_version"] = ANTHROPIC_VERSION
        _anthropic_betas(body)
    else:
        resolved = model_id(channel, model, credentials(channel).region)
        bedrock_converse.fit_family(body, bedrock_converse.family(resolved) or bedrock_converse.family(model))
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def sign(channel, method: str, url: str, headers: dict, body: bytes) -> dict:
    """SigV4 headers (X-Amz-Date, Authorization, X-Amz-Security-Token) for this exact request."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as AwsCredentials

    creds = credentials(channel)
    if not creds.access_key or not creds.secret_key:
        raise RelayError(401, "Bedrock channel needs config ak/sk/region or the key ak|sk|region", "one_api_error",
                         "invalid_aws_credentials")
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(AwsCredentials(creds.access_key, creds.secret_key, creds.session_token), SIGNING_NAME,
              creds.region).add_auth(request)
    return dict(request.headers.items())


def reframe(resp):
    marker = fragment(resp.url)
    if marker and resp.status_code // 100 == 2:
        if marker == bedrock_embeddings.MARKER:
            model = unquote(resp.url.split("#")[0].rsplit("/", 2)[-2])
            return bedrock_embeddings.answer(resp, model, _taken("fanout") or [])
        if marker == bedrock_images.MARKER:
            return bedrock_images.answer(resp, _taken("image_format"))
    if not resp.headers.get("Content-Type", "").startswith(EVENT_STREAM):
        return resp
    resp.raw = EventStreamAsSSE(resp.raw, claude="/invoke-with-response-stream" in (resp.url or ""))
    resp.headers["Content-Type"] = "text/event-stream"
    return resp


class EventStreamAsSSE:
    """A file-like view of a binary AWS event stream that reads as SSE bytes (for ``streaming.pump``).

    InvokeModel chunks carry an Anthropic stream event base64-encoded in ``bytes``; ConverseStream events are
    named by ``:event-type``. Exceptions become an ``error`` event in the body's format. Everything else
    (connection, close, release_conn) is the wrapped urllib3 response's.
    """

    def __init__(self, raw, claude: bool) -> None:
        from botocore.eventstream import EventStreamBuffer
        self._raw = raw
        self._buffer = EventStreamBuffer()
        self._claude = claude

    def read1(self, amt: int = 65536, decode_content: bool = True) -> bytes:
        reader = getattr(self._raw, "read1", None) or self._raw.read
        while True:
            chunk = reader(amt, decode_content=decode_content)
            if not chunk:
                return b""
            self._buffer.add_data(chunk)
            out = b"".join(self._frame(message) for message in self._buffer)
            if out:
                return out

    read = read1

    def _frame(self, message) -> bytes:
        headers = message.headers
        kind = headers.get(":message-type", "event")
        if kind == "event":
            name = headers.get(":event-type", "")
            payload = message.payload or b"{}"
            if self._claude:
                if name != "chunk":
                    return b""
                inner = base64.b64decode(json.loads(payload).get("bytes", ""))
                name = json.loads(inner).get("type", "")
                payload = inner
            return b"event: " + name.encode() + b"\ndata: " + payload + b"\n\n"
        error_type = headers.get(":exception-type") or headers.get(":error-code") or "internalServerException"
        try:
            message_text = json.loads(message.payload or b"{}").get("message")
        except ValueError:
            message_text = None
        message_text = message_text or headers.get(":error-message") or error_type
        if self._claude:
            body = {"type": "error", "error": {"type": error_type, "message": message_text}}
        else:
            body = {"type": error_type, "message": message_text}
        return b"event: error\ndata: " + json.dumps(body).encode() + b"\n\n"

    def __getattr__(self, name):
        return getattr(self._raw, name)
