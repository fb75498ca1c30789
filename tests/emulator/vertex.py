"""Google Vertex AI: an OAuth2 token endpoint for service accounts, Gemini and Claude publisher models.

``service_account(token_uri)`` gives a service-account JSON key whose private key this module knows; point
``token_uri`` at ``{emu.url}/vertex/token``. The token endpoint takes Google's JWT-bearer grant, verifies the
assertion (RS256 signature by that key, ``iss`` a service-account address, ``aud`` Google's token endpoint (or token_uri), cloud-platform scope, expiry) and issues
``ya29.emu-N`` access tokens valid ``TOKEN_TTL`` seconds. Model calls need one of those tokens as Bearer
(401 UNAUTHENTICATED otherwise; an expired one too). Scenario errors come in OpenAI's shape (family "vertex"):

- ``POST /v1/projects/{p}/locations/{loc}/publishers/google/models/{m}:generateContent`` and
  ``:streamGenerateContent`` (``?alt=sse``) answer as the Gemini emulator does;
- ``.../publishers/google/models/*embedding*:predict`` (``instances[].content``) returns ``predictions`` with
  ``embeddings.values`` and ``embeddings.statistics.token_count`` (one token per word);
- ``.../endpoints/openapi/chat/completions`` (partner models, ``publisher/model``) answers as OpenAI Chat;
- ``.../publishers/google/models/imagen-*:predict`` (``instances[].prompt``, ``parameters.sampleCount``) returns
  ``predictions`` with base64 PNGs (``bytesBase64Encoded``, ``mimeType``);
- ``.../publishers/anthropic/models/{m}:rawPredict`` and ``:streamRawPredict`` answer as Anthropic's Messages
  API; the body must carry ``anthropic_version: vertex-2023-10-16`` and no ``model``.

``ISSUED`` lists (token, expiry) in issue order, so tests can count token fetches.
"""
import base64
import itertools
import json
import threading
import time

from .app import route
from .errors import ApiError, anthropic_error_body, error_response, gemini_error_body
from .media import png
from .protocols import openai_chat
from .tokens import count_words
from .vectors import embedding_for
from .protocols import anthropic as anthropic_protocol
from .protocols import gemini as gemini_protocol
from .wire import json_response

ANTHROPIC_VERSION = "vertex-2023-10-16"
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # what google-auth puts in ``aud``, any token_uri
CLIENT_EMAIL = "relay@emu-project.iam.gserviceaccount.com"
PROJECT_ID = "emu-project"
TOKEN_TTL = 3600
ISSUED = []  # [(token, expires_at)]
_tokens = {}
_counter = itertools.count(1)
_lock = threading.Lock()
_key = None


def _private_key():
    global _key
    with _lock:
        if _key is None:
            from cryptography.hazmat.primitives.asymmetric import rsa
            _key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _key


def service_account(token_uri, project_id=PROJECT_ID, client_email=CLIENT_EMAIL):
    """A service-account JSON key (as a dict) the token endpoint accepts."""
    from cryptography.hazmat.primitives import serialization
    pem = _private_key().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": project_id, "private_key_id": "emu-key-1",
            "private_key": pem, "client_email": client_email, "client_id": "1000000000000000001",
            "token_uri": token_uri, "auth_uri": "https://accounts.google.com/o/oauth2/auth"}


def reset_tokens():
    with _lock:
        _tokens.clear()
        ISSUED.clear()


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _verify_assertion(assertion, token_uri):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    try:
        head, payload, signature = assertion.split(".")
        header, claims = json.loads(_b64decode(head)), json.loads(_b64decode(payload))
        _private_key().public_key().verify(_b64decode(signature), f"{head}.{payload}".encode(),
                                           padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, InvalidSignature):
        return "Invalid JWT Signature."
    now = time.time()
    if header.get("alg") != "RS256" or not str(claims.get("iss", "")).endswith(".iam.gserviceaccount.com"):
        return "Invalid issuer or algorithm."
    if claims.get("aud") not in (token_uri, GOOGLE_TOKEN_AUDIENCE):
        return f"Invalid JWT: audience must be {GOOGLE_TOKEN_AUDIENCE}."
    if SCOPE not in (claims.get("scope") or "").split():
        return "Invalid OAuth scope or ID token audience provided."
    if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0) + 300):
        return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe."
    return None


@route("POST", r"/vertex/token", "vertex")
def token(ctx):
    form = ctx.request.form
    if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        return json_response({"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}, 400)
    token_uri = ctx.request.base_url
    problem = _verify_assertion(form.get("assertion", ""), token_uri)
    if problem:
        return json_response({"error": "invalid_grant", "error_description": problem}, 400)
    access = f"ya29.emu-{next(_counter)}"
    with _lock:
        _tokens[access] = time.time() + TOKEN_TTL
        ISSUED.append((access, _tokens[access]))
    return json_response({"access_token": access, "expires_in": TOKEN_TTL, "token_type": "Bearer"})


def _check_token(ctx, family):
    value = ctx.request.headers.get("authorization", "")
    access = value[7:].strip() if value.lower().startswith("bearer ") else ""
    expires = _tokens.get(access)
    if expires is None or expires < time.time():
        message = ("Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
                   "or other valid authentication credential.")
        body = (anthropic_error_body("auth", message) if family == "anthropic"
                else gemini_error_body(401, "auth", message))
        return json_response(body, 401)
    return None


class _WithBody:
    """The handler context with another JSON body (the recorded request keeps what was sent)."""

    def __init__(self, ctx, body):
        self._ctx, self.json = ctx, body

    def __getattr__(self, name):
        return getattr(self._ctx, name)


PREFIX = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/publishers"


@route("POST", PREFIX + r"/google/models/(?P<model>[^/:]+):(?P<action>generateContent|streamGenerateContent)",
       "vertex")
def gemini_generate(ctx, project, location, model, action):
    denied = _check_token(ctx, "gemini")
    if denied:
        return denied
    try:
        return gemini_protocol.generate(ctx, "v1", model, action)
    except ApiError as err:
        return error_response("gemini", err.status, err.kind, err.message)


@route("POST", PREFIX + r"/anthropic/models/(?P<model>[^/:]+):(?P<action>rawPredict|streamRawPredict)",
       "vertex")
def anthropic_predict(ctx, project, location, model, action):
    denied = _check_token(ctx, "anthropic")
    if denied:
        return denied
    try:
        return _anthropic_predict(ctx, model, action)
    except ApiError as err:
        return error_response("anthropic", err.status, err.kind, err.message)


def _anthropic_predict(ctx, model, action):
    body = ctx.json
    if "model" in body:
        raise ApiError(400, "bad_request", "model: Extra inputs are not permitted")
    if body.get("anthropic_version") != ANTHROPIC_VERSION:
        raise ApiError(400, "bad_request", f"anthropic_version: Input should be '{ANTHROPIC_VERSION}'")
    if action == "streamRawPredict" and not body.get("stream"):
        raise ApiError(400, "bad_request", "stream: streamRawPredict needs \"stream\": true")
    return anthropic_protocol.create_message(_WithBody(ctx, {**body, "model": model}))


@route("POST", PREFIX + r"/google/models/(?P<model>imagen[^/:]*):predict", "vertex")
def imagen_predict(ctx, project, location, model):
    denied = _check_token(ctx, "gemini")
    if denied:
        return denied
    body = ctx.json
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances or not (instances[0] or {}).get("prompt"):
        return error_response("gemini", 400, "bad_request", "instances[0].prompt is required")
    count = int((body.get("parameters") or {}).get("sampleCount") or 1)
    if not 1 <= count <= 4:
        return error_response("gemini", 400, "bad_request", "sampleCount must be between 1 and 4")
    image = base64.b64encode(png(2, 2)).decode()
    ctx.note_reply({"images": count, "aspect_ratio": (body.get("parameters") or {}).get("aspectRatio")})
    return json_response({"predictions": [{"bytesBase64Encoded": image, "mimeType": "image/png"}
                                          for _ in range(count)]})


@route("POST", PREFIX + r"/google/models/(?P<model>[^/:]*embedding[^/:]*):predict", "vertex")
def embedding_predict(ctx, project, location, model):
    denied = _check_token(ctx, "gemini")
    if denied:
        return denied
    body = ctx.json
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances or not all((i or {}).get("content") for i in instances):
        return error_response("gemini", 400, "bad_request", "instances[].content is required")
    size = (body.get("parameters") or {}).get("outputDimensionality")
    predictions = [{"embeddings": {"values": embedding_for(i["content"], size), "statistics": {
        "token_count": count_words(i["content"]), "truncated": False}}} for i in instances]
    ctx.note_reply({"input_tokens": sum(count_words(i["content"]) for i in instances), "output_tokens": 0})
    return json_response({"predictions": predictions, "metadata": {"billableCharacterCount": 1}})


@route("POST", r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/endpoints/openapi/chat/completions",
       "vertex")
def openapi_chat(ctx, project, location):
    denied = _check_token(ctx, "openai")
    if denied:
        return denied
    model = ctx.json.get("model") or ""
    if "/" not in model:
        return error_response("openai", 400, "bad_request", f"model must be publisher/model, got {model!r}")
    return openai_chat.handle_chat(ctx, ctx.json)
