"""AWS Bedrock (channel type 33): a native adaptor (see the package docstring for the hooks).

Claude models go through InvokeModel / InvokeModelWithResponseStream with an Anthropic Messages body
(``anthropic_version: bedrock-2023-05-31``, no ``model`` or ``stream`` field); the other families (Llama,
Mistral, Cohere, DeepSeek, Amazon Nova, gpt-oss, ...) through Converse / ConverseStream (codec
``bedrock_converse``). Requests are signed with SigV4 by botocore, imported on first use so workers that never
call Bedrock do not load it. Streams come back in AWS's binary event-stream framing and are re-framed as SSE.
Embeddings (``/v1/embeddings``) use InvokeModel with Titan (one input per call) or Cohere Embed bodies, answered
as OpenAI's list.

Credentials: channel config ``ak``, ``sk``, ``region`` (and optional ``session_token``), or the key as
``ak|sk|region`` (the original's form). The model id is, in order: the channel's ``inference_profile_arn_map``
entry (fork column, JSON ``{"model": "arn or profile id"}``), the known-name table,
``anthropic.<claude-name>-v1:0`` for other dated Claude names, else the name as given; Claude models that Bedrock serves only through cross-region inference
profiles get the region's geography prefix (``us.``, ``eu.``, ``apac.``).
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from oneapi.relay.errors import RelayError
from oneapi.relay.providers import Target, channel_config
from oneapi.relay.providers import bedrock_converse

TYPES = {33}
CODECS = {"converse": bedrock_converse}
INLINE_IMAGES = True  # neither InvokeModel (Claude) nor Converse fetches image URLs
ANTHROPIC_VERSION = "bedrock-2023-05-31"
SIGNING_NAME = "bedrock"
EVENT_STREAM = "application/vnd.amazon.eventstream"
_CHAT_MODES = {"chat", "claude", "responses", "gemini"}  # the relay modes with a conversion-hub format

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
    "titan-embed-text-v2": "amazon.titan-embed-text-v2:0",
    "cohere-embed-english-v3": "cohere.embed-english-v3",
    "cohere-embed-multilingual-v3": "cohere.embed-multilingual-v3",
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
    if geo and base not in _ON_DEMAND and base.startswith(_PROFILE_FAMILIES):
        return f"{geo}.{base}"
    return base


def endpoint(channel, region: str) -> str:
    explicit = (channel.base_url or "").strip().rstrip("/")
    return explicit or f"https://bedrock-runtime.{region}.amazonaws.com"


# ---- hooks ---------------------------------------------------------------------------------------------

def body_format(model: str, mode: str) -> str | None:
    if mode == "embeddings" and is_embedding(model):
        return "raw"
    if mode not in _CHAT_MODES:
        return None
    return "claude" if is_claude(model) else "converse"


def target(channel, path: str, model: str, stream: bool) -> Target:
    creds = credentials(channel)
    resolved = quote(model_id(channel, model, creds.region), safe="")  # ':' and an ARN's '/' are escaped
    if is_embedding(model):
        action = "invoke"
    elif is_claude(model):
        action = "invoke-with-response-stream" if stream else "invoke"
    else:
        action = "converse-stream" if stream else "converse"
    headers = {"Accept": EVENT_STREAM if stream else "application/json"}
    return Target(f"{endpoint(channel, creds.region)}/model/{resolved}/{action}", headers, "native")


def _embedding_body(body: dict, model: str) -> dict:
    texts = body.get("input")
    texts = [texts] if isinstance(texts, str) else [str(t) for t in texts or []]
    if "cohere" in model.lower():
        return {"texts": texts, "input_type": "search_document"}
    if len(texts) != 1:  # Titan embeds one text per call
        raise RelayError(400, "Bedrock Titan embeddings take one input per request", "invalid_request_error",
                         "unsupported_input")
    out: dict = {"inputText": texts[0]}
    if body.get("dimensions"):
        out["dimensions"] = int(body["dimensions"])
    return out


def prepare_body(channel, body: dict, model: str, stream: bool) -> bytes:
    if is_embedding(model) and "input" in body:
        body = _embedding_body(body, model)
    body.pop("model", None)
    body.pop("stream", None)
    if is_claude(model):
        body.pop("stream_options", None)
        body["anthropic_version"] = ANTHROPIC_VERSION
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


def _openai_embeddings(answer: dict, model: str) -> dict:
    if "embedding" in answer:  # Titan: one vector and its token count
        vectors, tokens = [answer["embedding"]], int(answer.get("inputTextTokenCount") or 0)
    else:  # Cohere Embed: a vector per text, no count
        vectors, tokens = answer.get("embeddings") or [], 0
    out = {"object": "list", "model": model,
           "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]}
    if tokens:
        out["usage"] = {"prompt_tokens": tokens, "total_tokens": tokens}
    return out


def reframe(resp):
    path = (resp.url or "").split("?")[0]
    if resp.status_code // 100 == 2 and path.endswith("/invoke") and is_embedding(path.rsplit("/", 2)[-2]):
        try:
            answer = json.loads(resp.content)
        except ValueError:
            return resp
        resp._content = json.dumps(_openai_embeddings(answer, unquote(path.rsplit("/", 2)[-2]))).encode()
        return resp
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
