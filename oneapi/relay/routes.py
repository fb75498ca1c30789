"""Relay routes (/v1/...): the data plane."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, g, jsonify, request

from oneapi import config
from oneapi.ops import ratelimit
from oneapi.relay import auth, conversion_extras, listing, pipeline, proxy, responses_state
from oneapi.relay.errors import RelayError, error_response, not_implemented

bp = Blueprint("relay", __name__)

_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true"}
_PREFLIGHT = {**_CORS, "Access-Control-Allow-Methods": "GET,POST,PUT,DELETE,OPTIONS",
              "Access-Control-Allow-Headers": "*", "Access-Control-Max-Age": "43200"}


@bp.before_request
def _preflight():
    if request.method == "OPTIONS":
        origin = request.headers.get("Origin")
        headers = dict(_PREFLIGHT)
        if origin:  # "*" is not accepted with credentials by browsers: echo the origin, as gin-contrib/cors
            headers["Access-Control-Allow-Origin"] = origin
        return Response(status=204, headers=headers)
    return None


@bp.after_request
def _cors(response):
    headers = response.headers
    present = {key.lower() for key, _ in headers}  # (Headers.setdefault raises and catches per missing key)
    for key, value in _CORS.items():
        if key.lower() not in present:
            headers.add(key, value)
    origin = request.environ.get("HTTP_ORIGIN")
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
        if "vary" not in present:
            headers.add("Vary", "Origin")
    return response


def authenticated(view):
    """Token auth first (as the original's middleware), then the view with ``g.caller`` set."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            g.caller = auth.authenticate()
            limited = _relay_rate_limited(g.caller)
            if limited is not None:
                return limited
            return view(*args, **kwargs)
        except RelayError as err:
            claude_client = request.path.endswith("/messages") and request.method == "POST"
            return error_response(err, "claude" if claude_client else None)

    return wrapper


def _relay_rate_limited(caller) -> Response | None:
    """GLOBAL_RELAY_RATE_LIMIT requests per token per 180 s (the fork's per-key limit)."""
    if request.path.startswith("/dashboard"):
        return None  # counted by the per-IP API limit
    limit = config.settings.global_relay_rate_limit
    wait = ratelimit.allow(ratelimit.MARK_RELAY, ratelimit.hashed_token_key(caller.token.key), limit,
                           ratelimit.RELAY_WINDOW_S)
    return None if wait is None else ratelimit.too_many_requests(wait, limit)


def _relay(mode: str, path_model: str | None = None) -> Response:
    try:
        rr = conversion_extras.read(mode, path_model)  # a body in another client format is served as such
        if isinstance(rr, Response):  # AUTO_DETECT_API_FORMAT_ACTION=redirect
            return rr
        auth.check_model_allowed(g.caller, rr.model)
        if responses_state.background.wanted(rr):  # the gateway runs it and keeps the result
            return responses_state.background.start(g.caller, rr, pipeline.relay)
        return pipeline.relay(g.caller, rr)
    except RelayError as err:
        return error_response(err, "claude" if mode == "claude" else None)


_MODES = {
    "/v1/chat/completions": "chat",
    "/v1/completions": "completions",
    "/v1/edits": "edits",
    "/v1/embeddings": "embeddings",
    "/v1/moderations": "moderations",
    "/v1/images/generations": "images",
    "/v1/images/edits": "images_edits",
    "/v1/audio/transcriptions": "audio_transcription",
    "/v1/audio/translations": "audio_translation",
    "/v1/audio/speech": "audio_speech",
    "/v1/rerank": "rerank",
    "/v1/responses": "responses",
    "/v1/messages": "claude",
}


def _make_view(mode: str):
    @authenticated
    def view():
        return _relay(mode)

    view.__name__ = f"relay_{mode}"
    return view


_views = {}
for _path, _mode in _MODES.items():
    _views[_mode] = _make_view(_mode)
    bp.add_url_rule(_path, view_func=_views[_mode], methods=["POST"])

_claude_view = _views["claude"]
for _alias in ("/v1/v1/messages", "/openai/v1/messages", "/openai/v1/v1/messages", "/api/v1/v1/messages"):
    bp.add_url_rule(_alias, endpoint=f"claude_alias_{_alias}", view_func=_claude_view, methods=["POST"])


@bp.post("/v1/engines/<model>/embeddings")
@authenticated
def engine_embeddings(model: str):
    return _relay("embeddings", path_model=model)


# ---- stored Responses objects: passed through to an OpenAI channel -----------------------------------

@bp.route("/v1/responses/<response_id>", methods=["GET", "DELETE"])
@bp.post("/v1/responses/<response_id>/cancel")
@bp.get("/v1/responses/<response_id>/input_items")
@authenticated
def responses_object(response_id: str, **_):
    return responses_state.answer_stored(g.caller, response_id) or proxy.responses_passthrough(g.caller)


# ---- models ---------------------------------------------------------------------------------------------

@bp.get("/v1/models")
@authenticated
def list_models():
    return jsonify({"object": "list", "data": listing.models_for(g.caller)})


@bp.get("/v1/models/<path:model>")
@authenticated
def retrieve_model(model: str):
    for item in listing.models_for(g.caller):
        if item["id"] == model:
            return jsonify(item)
    return error_response(RelayError(404, f"The model '{model}' does not exist", "invalid_request_error",
                                     "model_not_found", "model"))


# ---- the original's billing compatibility routes ---------------------------------------------------------

for _prefix in ("", "/v1"):
    bp.add_url_rule(f"{_prefix}/dashboard/billing/subscription", endpoint=f"subscription{_prefix}",
                    view_func=authenticated(lambda: jsonify(listing.subscription(g.caller))), methods=["GET"])
    bp.add_url_rule(f"{_prefix}/dashboard/billing/usage", endpoint=f"usage{_prefix}",
                    view_func=authenticated(lambda: jsonify(listing.usage(g.caller))), methods=["GET"])


# ---- raw proxy to a channel -------------------------------------------------------------------------------

@bp.route("/v1/oneapi/proxy/<int:channel_id>/<path:target>",
          methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@authenticated
def channel_proxy(channel_id: int, target: str):
    return proxy.channel_proxy(g.caller, channel_id, target)


# ---- routes the original answers with 501 ------------------------------------------------------------------

@authenticated
def _not_implemented(**_):
    return not_implemented()


_NOT_IMPLEMENTED = [
    ("/v1/images/variations", ["POST"]),
    ("/v1/files", ["GET", "POST"]),
    ("/v1/files/<path:rest>", ["GET", "DELETE"]),
    ("/v1/fine_tuning/<path:rest>", ["GET", "POST"]),
    ("/v1/fine-tunes", ["GET", "POST"]),
    ("/v1/fine-tunes/<path:rest>", ["GET", "POST", "DELETE"]),
    ("/v1/models/<path:model>", ["DELETE"]),
    ("/v1/assistants", ["GET", "POST"]),
    ("/v1/assistants/<path:rest>", ["GET", "POST", "DELETE"]),
    ("/v1/threads", ["POST"]),
    ("/v1/threads/<path:rest>", ["GET", "POST", "DELETE"]),
]
for _i, (_rule, _methods) in enumerate(_NOT_IMPLEMENTED):
    bp.add_url_rule(_rule, endpoint=f"not_implemented_{_i}", view_func=_not_implemented, methods=_methods)

from oneapi.relay import gemini_ingress  # noqa: E402,F401  (registers the Gemini-native routes on bp)
