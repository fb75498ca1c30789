"""Raw pass-through routes: /v1/oneapi/proxy/<channel>/<path> and the stored Responses objects."""
from __future__ import annotations

import requests
from flask import Response, request, stream_with_context

from oneapi.models import Channel
from oneapi.models.constants import CHANNEL_ENABLED, ROLE_ADMIN
from oneapi.relay import providers, upstream
from oneapi.relay.auth import Caller
from oneapi.relay.errors import RelayError, error_response

# accept-encoding too: answers are relayed decoded (content-encoding dropped), and the client may accept
# encodings the gateway cannot decode (br, zstd), which would reach it undecoded and unlabelled.
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host",
                "authorization", "x-api-key", "api-key", "proxy-authorization", "upgrade", "te", "trailer",
                "accept-encoding"}


def _forward(channel, url: str, headers: dict) -> Response:
    body = request.get_data(cache=True)
    out = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
    out.update(headers)
    try:
        resp = upstream.send(request.method, url, headers=out, data=body or None, stream=True)
    except (requests.ConnectionError, requests.Timeout) as exc:
        return error_response(RelayError(502, f"upstream connection error: {type(exc).__name__}",
                                         "upstream_error", "do_request_failed"))

    keep = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP_HEADERS}
    if request.method == "HEAD":  # no body to measure: the upstream's length is what a GET would send
        resp.close()
        if resp.headers.get("Content-Length") is not None:
            keep["Content-Length"] = resp.headers["Content-Length"]
        return Response(status=resp.status_code, headers=keep)
    if resp.headers.get("Content-Type", "").startswith(("application/json", "text/plain", "text/html")):
        try:
            return Response(resp.content, status=resp.status_code, headers=keep)
        finally:
            resp.close()

    def body_iter():
        try:
            reader = getattr(resp.raw, "read1", None)
            while True:
                chunk = reader(65536, decode_content=True) if reader else resp.raw.read(65536, decode_content=True)
                if not chunk:
                    return
                yield chunk
        finally:
            resp.close()

    return Response(stream_with_context(body_iter()), status=resp.status_code, headers=keep)


def channel_proxy(caller: Caller, channel_id: int, target: str) -> Response:
    channel = Channel.get_or_none(Channel.id == channel_id)
    if channel is None:
        return error_response(RelayError(400, "无效的渠道 Id", "one_api_error", None))
    if channel.status != CHANNEL_ENABLED:
        return error_response(RelayError(403, "该渠道已被禁用", "one_api_error", None))
    if caller.user.role < ROLE_ADMIN and caller.group not in [x.strip() for x in (channel.group or "").split(",")]:
        return error_response(RelayError(403, "该渠道不属于当前分组", "one_api_error", None))
    path = "/" + target + (f"?{request.query_string.decode()}" if request.query_string else "")
    url = providers.base_url(channel) + path
    # As the original: the raw proxy is not billed (no model, no usage to price).
    return _forward(channel, url, providers.target(channel, path, "").headers)


def _openai_channel_for(caller: Caller):
    """The pinned channel (``sk-<key>-<id>``: the one that created the object), else an enabled OpenAI
    (type 1) channel serving the caller's group, highest priority first."""
    if caller.pinned_channel_id:
        pinned = Channel.get_or_none(Channel.id == caller.pinned_channel_id)
        return pinned if pinned is not None and pinned.type == 1 and pinned.status == CHANNEL_ENABLED else None
    for channel in Channel.select().where((Channel.type == 1) & (Channel.status == CHANNEL_ENABLED)).order_by(
            Channel.priority.desc(), Channel.id):
        if caller.group in [x.strip() for x in (channel.group or "").split(",")]:
            return channel
    return None


def responses_passthrough(caller: Caller) -> Response:
    channel = _openai_channel_for(caller)
    if channel is None:
        return error_response(RelayError(503, "Response API is only supported for OpenAI channels",
                                         "one_api_error", None))
    path = request.full_path if request.query_string else request.path
    target = providers.target(channel, path, "")
    return _forward(channel, target.url, target.headers)
