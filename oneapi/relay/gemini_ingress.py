"""Gemini-native ingress: ``/v1beta/models/{model}:generateContent``, ``:streamGenerateContent`` (SSE with
``alt=sse``, else one streamed JSON array), ``:countTokens`` and the model list, for Gemini SDK users.

Requests are Gemini bodies served on any channel through the conversion hub (a Gemini channel gets the body
as it came); answers and errors are Gemini's. The gateway key may come as ``x-goog-api-key``, ``?key=``,
``x-api-key`` or a Bearer token. Also here: Anthropic's ``/v1/messages/count_tokens``.
"""
from __future__ import annotations

from dataclasses import fields
from functools import wraps

import orjson
from flask import Response, g, request, stream_with_context

from oneapi.relay import auth, listing, pipeline, token_counting
from oneapi.relay.errors import RelayError, with_request_id
from oneapi.relay.formats import claude as claude_codec, gemini as gemini_codec
from oneapi.relay.request import RelayRequest, read
from oneapi.relay.routes import authenticated, bp
from oneapi.relay.streaming import parse_event

GENERATION_METHODS = ["generateContent", "streamGenerateContent", "countTokens"]


class GeminiRelayRequest(RelayRequest):
    """A relay request whose client format is Gemini (the model and stream flag come from the URL)."""

    @property
    def client_format(self) -> str | None:
        return "gemini"


# ---- auth and errors in the client's format -----------------------------------------------------------------

def _adopt_google_key() -> None:
    """Gemini clients send the key as ``x-goog-api-key`` or ``?key=``: present it as the relay expects."""
    if request.headers.get("Authorization") or request.headers.get("x-api-key"):
        return
    key = request.headers.get("x-goog-api-key") or request.args.get("key")
    if key:
        request.environ["HTTP_AUTHORIZATION"] = f"Bearer {key}"


def _reformat_error(resp: Response, encode) -> Response:
    """An OpenAI-shaped error answer (auth, limits, relay failures) rewritten by ``encode(status, message)``."""
    if resp.status_code < 400 or resp.is_streamed or not resp.mimetype.endswith("json"):
        return resp
    try:
        body = orjson.loads(resp.get_data())
    except ValueError:
        return resp
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict) or isinstance(err.get("status"), str) or body.get("type") == "error":
        return resp  # already in the client's shape
    message = err.get("message") or f"request failed with status {resp.status_code}"
    out = Response(orjson.dumps(encode(resp.status_code, message)), status=resp.status_code,
                   mimetype="application/json")
    for name in ("Retry-After", "X-Oneapi-Request-Id"):
        if name in resp.headers:
            out.headers[name] = resp.headers[name]
    return out


def _gemini_error(status: int, message: str) -> dict:
    return gemini_codec.encode_error(status, message)


def gemini_route(view):
    """Token auth with Gemini's key conventions, and every error in Gemini's shape."""
    guarded = authenticated(view)

    @wraps(view)
    def wrapper(*args, **kwargs):
        _adopt_google_key()
        try:
            resp = guarded(*args, **kwargs)
        except RelayError as err:
            resp = Response(orjson.dumps(_gemini_error(err.status, with_request_id(err.message))),
                            status=err.status, mimetype="application/json")
        return _reformat_error(resp, _gemini_error)

    return wrapper


# ---- generateContent / streamGenerateContent ---------------------------------------------------------------

def _relay_request(model: str, stream: bool) -> GeminiRelayRequest:
    base = read("gemini", model)
    if base.json is None:
        raise RelayError(400, "Invalid JSON payload received.", "INVALID_ARGUMENT")
    rr = GeminiRelayRequest(**{f.name: getattr(base, f.name) for f in fields(base)})
    rr.path = request.path  # never the query: ?key= holds the caller's key
    rr.model = model
    rr.stream = stream
    # the body keeps its bytes (a Gemini channel gets them as sent); the model rides along for the codecs
    rr.json = {**base.json, "model": model}
    return rr


def _json_array(chunks):
    """SSE frames -> the elements of one JSON array, as Gemini streams without ``alt=sse``."""
    yield b"["
    first = True
    try:
        for chunk in chunks:
            for frame in chunk.split(b"\n\n"):
                _, data = parse_event(frame)
                if not data.strip() or data.strip() == "[DONE]":
                    if frame.startswith(b":"):
                        yield b"\n"  # keep-alive: whitespace is valid between elements
                    continue
                yield (b"" if first else b",\r\n") + data.encode()
                first = False
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    yield b"]"


def _generate(model: str, stream: bool) -> Response:
    rr = _relay_request(model, stream)
    auth.check_model_allowed(g.caller, rr.model)
    resp = pipeline.relay(g.caller, rr)
    if stream and resp.status_code == 200 and resp.mimetype == "text/event-stream" \
            and request.args.get("alt") != "sse":
        return Response(stream_with_context(_json_array(resp.response)), status=200,
                        content_type="application/json", headers={"Cache-Control": "no-cache",
                                                                  "X-Accel-Buffering": "no"})
    return resp


def _count_tokens(model: str) -> Response:
    body = read("gemini", model).json or {}
    auth.check_model_allowed(g.caller, model)
    inner = body.get("generateContentRequest") or body.get("generate_content_request")
    total = token_counting.count_gemini(inner if isinstance(inner, dict) else body, model)
    return Response(orjson.dumps({"totalTokens": total}), mimetype="application/json")


_ACTIONS = {"generateContent": lambda m: _generate(m, False), "streamGenerateContent": lambda m: _generate(m, True),
            "countTokens": _count_tokens}


@gemini_route
def model_action(target: str) -> Response:
    model, _, action = target.rpartition(":")
    model = model.removeprefix("models/")
    handler = _ACTIONS.get(action)
    if not model or handler is None:
        raise RelayError(404, f"Method {action or target} is not supported by this gateway.", "NOT_FOUND")
    return handler(model)


# ---- the model list ----------------------------------------------------------------------------------------

def _model_object(model: str) -> dict:
    return {"name": f"models/{model}", "baseModelId": model, "version": "001", "displayName": model,
            "description": f"{model} through One API", "supportedGenerationMethods": GENERATION_METHODS}


@gemini_route
def list_models() -> Response:
    models = [_model_object(item["id"]) for item in listing.models_for(g.caller)]
    try:
        size = max(1, min(1000, int(request.args.get("pageSize", 1000))))
        start = int(request.args.get("pageToken") or 0)
    except ValueError:
        raise RelayError(400, "Invalid page token or size.", "INVALID_ARGUMENT") from None
    page = {"models": models[start:start + size]}
    if start + size < len(models):
        page["nextPageToken"] = str(start + size)
    return Response(orjson.dumps(page), mimetype="application/json")


@gemini_route
def get_model(model: str) -> Response:
    model = model.removeprefix("models/")
    if any(item["id"] == model for item in listing.models_for(g.caller)):
        return Response(orjson.dumps(_model_object(model)), mimetype="application/json")
    raise RelayError(404, f"models/{model} is not found for API version v1beta.", "NOT_FOUND")


def _google_client() -> bool:
    """Gemini SDKs authenticate with x-goog-api-key or ?key=, OpenAI clients with a Bearer token."""
    if request.headers.get("Authorization") or request.headers.get("x-api-key"):
        return False
    return bool(request.headers.get("x-goog-api-key") or request.args.get("key"))


@bp.before_request
def _gemini_models_on_v1():
    """GET /v1/models is OpenAI's list and Gemini's (API version v1, the google-genai default): the key's
    header tells which client is asking."""
    if request.method != "GET" or not request.path.startswith("/v1/models") or not _google_client():
        return None
    if request.path.rstrip("/") == "/v1/models":
        return list_models()
    return get_model(request.path[len("/v1/models/"):])


for _version in ("v1beta", "v1"):
    bp.add_url_rule(f"/{_version}/models/<path:target>", endpoint=f"gemini_{_version}_action",
                    view_func=model_action, methods=["POST"])
bp.add_url_rule("/v1beta/models", endpoint="gemini_models", view_func=list_models, methods=["GET"])
bp.add_url_rule("/v1beta/models/<path:model>", endpoint="gemini_model", view_func=get_model, methods=["GET"])


# ---- Anthropic /v1/messages/count_tokens ------------------------------------------------------------------

def _claude_error(status: int, message: str) -> dict:
    return claude_codec.encode_error(status, message)


@authenticated
def _claude_count_tokens() -> Response:
    rr = read("claude")
    auth.check_model_allowed(g.caller, rr.model)
    total = token_counting.count_claude(rr.json or {}, rr.model)
    return Response(orjson.dumps({"input_tokens": total}), mimetype="application/json")


def claude_count_tokens() -> Response:
    try:
        resp = _claude_count_tokens()
    except RelayError as err:
        resp = Response(orjson.dumps(_claude_error(err.status, with_request_id(err.message))), status=err.status,
                        mimetype="application/json")
    return _reformat_error(resp, _claude_error)


for _prefix in ("/v1", "/v1/v1"):
    bp.add_url_rule(f"{_prefix}/messages/count_tokens", endpoint=f"claude_count_tokens{_prefix}",
                    view_func=claude_count_tokens, methods=["POST"])
