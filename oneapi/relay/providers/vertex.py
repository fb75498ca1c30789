"""Google Vertex AI (channel type 42): a native adaptor (see the package docstring for the hooks).

Gemini models: ``{host}/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:generateContent``
(``:streamGenerateContent?alt=sse``), Gemini body. Claude models: ``.../publishers/anthropic/models/{model}:rawPredict``
(``:streamRawPredict``), Anthropic body without ``model`` and with ``anthropic_version: vertex-2023-10-16``.
Partner models named ``publisher/model`` (``meta/llama-3.3-70b-instruct-maas``, ``deepseek-ai/...``, ``qwen/...``)
go to Vertex's OpenAI-compatible ``.../endpoints/openapi/chat/completions`` with a Chat body. Embedding models
(``text-embedding-*``, ``gemini-embedding-*``) serve ``/v1/embeddings`` through ``:predict``.
Imagen models serve ``/v1/images/generations``: ``.../publishers/google/models/{model}:predict`` with
``instances``/``parameters``, the predictions turned back into OpenAI's image list (``b64_json``).
The host is ``{region}-aiplatform.googleapis.com``, or ``aiplatform.googleapis.com`` for the ``global`` location;
a channel base URL replaces it.

Credentials: a service-account JSON key, in config ``vertex_ai_adc`` (the original's field) or as the channel key.
It is exchanged for an OAuth2 access token by google-auth (imported on first use) and the token is cached per key
until it nears expiry. Region from config ``region`` (default us-central1); project from config
``vertex_ai_project_id`` or the key's ``project_id``.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time

from oneapi.relay.errors import RelayError
from oneapi.relay.providers import Target, channel_config

TYPES = {42}
ANTHROPIC_VERSION = "vertex-2023-10-16"
DEFAULT_REGION = "us-central1"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_CHAT_MODES = {"chat", "claude", "responses", "gemini"}  # the relay modes with a conversion-hub format

_credentials: dict[str, object] = {}  # sha256 of the key JSON -> google.oauth2 service-account Credentials
_lock = threading.Lock()


# OpenAI image sizes -> the aspect ratios Imagen takes.
ASPECT_RATIOS = {"256x256": "1:1", "512x512": "1:1", "1024x1024": "1:1", "1792x1024": "16:9", "1024x1792": "9:16",
                 "1536x1024": "4:3", "1024x1536": "3:4"}


def is_claude(model: str) -> bool:
    return "claude" in (model or "").lower()


def is_imagen(model: str) -> bool:
    return (model or "").lower().startswith("imagen")


def is_openapi(model: str) -> bool:
    """Partner (MaaS) models, named publisher/model, served on the OpenAI-compatible endpoint."""
    return "/" in (model or "")


def is_embedding(model: str) -> bool:
    return "embedding" in (model or "").lower()


def service_account_info(channel) -> dict:
    text = (channel_config(channel).get("vertex_ai_adc") or channel.key or "").strip()
    try:
        info = json.loads(text)
    except ValueError:
        info = None
    if not isinstance(info, dict) or not info.get("private_key") or not info.get("client_email"):
        raise RelayError(401, "Vertex AI channel key must be a service account JSON key", "one_api_error",
                         "invalid_vertex_credentials")
    return info


def _session():
    import requests
    session = requests.Session()
    session.trust_env = False  # the token endpoint is reached like every other upstream, without env proxies
    return session


def access_token(info: dict) -> str:
    """A valid OAuth2 access token for this service account; refreshed only when the cached one nears expiry."""
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

    cache_key = hashlib.sha256(json.dumps(info, sort_keys=True).encode()).hexdigest()
    with _lock:
        creds = _credentials.get(cache_key)
        if creds is None:
            creds = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
            _credentials[cache_key] = creds
        if not creds.valid:
            try:
                creds.refresh(Request(session=_session()))
            except Exception as exc:  # google.auth.exceptions.RefreshError, transport errors
                raise RelayError(401, f"Vertex AI token refresh failed: {exc}", "one_api_error",
                                 "vertex_token_error") from exc
        return creds.token


def clear_token_cache() -> None:
    with _lock:
        _credentials.clear()


def location_host(region: str) -> str:
    return "https://aiplatform.googleapis.com" if region == "global" else f"https://{region}-aiplatform.googleapis.com"


# ---- hooks ---------------------------------------------------------------------------------------------

def body_format(model: str, mode: str) -> str | None:
    if (mode == "images" and is_imagen(model)) or (mode == "embeddings" and is_embedding(model)):
        return "raw"
    if mode not in _CHAT_MODES:
        return None
    if is_openapi(model):
        return "chat"
    return "claude" if is_claude(model) else "gemini"


def target(channel, path: str, model: str, stream: bool) -> Target:
    info = service_account_info(channel)
    cfg = channel_config(channel)
    region = (cfg.get("region") or DEFAULT_REGION).strip()
    project = (cfg.get("vertex_ai_project_id") or info.get("project_id") or "").strip()
    host = (channel.base_url or "").strip().rstrip("/") or location_host(region)
    headers = {"Authorization": f"Bearer {access_token(info)}"}
    if is_openapi(model):
        return Target(f"{host}/v1/projects/{project}/locations/{region}/endpoints/openapi/chat/completions",
                      headers, "native")
    if is_claude(model):
        publisher, action = "anthropic", ("streamRawPredict" if stream else "rawPredict")
    elif path.startswith(("/v1/images/", "/v1/embeddings")):
        publisher, action = "google", "predict"
    else:
        publisher, action = "google", ("streamGenerateContent?alt=sse" if stream else "generateContent")
    url = f"{host}/v1/projects/{project}/locations/{region}/publishers/{publisher}/models/{model}:{action}"
    return Target(url, headers, "native")


def _imagen_body(body: dict) -> dict:
    parameters = {"sampleCount": int(body.get("n") or 1)}
    ratio = ASPECT_RATIOS.get(str(body.get("size") or ""))
    if ratio:
        parameters["aspectRatio"] = ratio
    return {"instances": [{"prompt": body.get("prompt") or ""}], "parameters": parameters}


def _embedding_body(body: dict) -> dict:
    texts = body.get("input")
    texts = [texts] if isinstance(texts, str) else [str(t) for t in texts or []]
    out: dict = {"instances": [{"content": text} for text in texts]}
    if body.get("dimensions"):
        out["parameters"] = {"outputDimensionality": int(body["dimensions"])}
    return out


def prepare_body(channel, body: dict, model: str, stream: bool) -> bytes:
    if is_openapi(model):  # the OpenAI-compatible endpoint reads the model from the body
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    body.pop("model", None)  # the model is part of the URL
    if is_imagen(model) and "prompt" in body:
        body = _imagen_body(body)
    elif is_embedding(model) and "input" in body:
        body = _embedding_body(body)
    if is_claude(model):
        body["anthropic_version"] = ANTHROPIC_VERSION
        body.pop("stream_options", None)
        if stream:
            body["stream"] = True
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _openai_embeddings(predictions: list, model: str) -> dict:
    data, tokens = [], 0
    for index, prediction in enumerate(predictions):
        embedding = prediction.get("embeddings") or {}
        tokens += int((embedding.get("statistics") or {}).get("token_count") or 0)
        data.append({"object": "embedding", "index": index, "embedding": embedding.get("values") or []})
    return {"object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def reframe(resp):
    """Imagen and embedding predictions answered in OpenAI's shapes; everything else untouched."""
    url = (resp.url or "").split("?")[0]
    if resp.status_code // 100 != 2 or not url.endswith(":predict"):
        return resp
    try:
        predictions = [p for p in json.loads(resp.content).get("predictions") or [] if isinstance(p, dict)]
    except (ValueError, AttributeError):
        return resp
    if predictions and "embeddings" in predictions[0]:
        answer = _openai_embeddings(predictions, url.rsplit("/", 1)[-1].removesuffix(":predict"))
    else:
        answer = {"created": int(time.time()), "data": [
            {"b64_json": p.get("bytesBase64Encoded", ""), "revised_prompt": p.get("prompt")} for p in predictions
            if p.get("bytesBase64Encoded")]}
    resp._content = json.dumps(answer).encode()
    resp.headers["Content-Type"] = "application/json"
    return resp
