"""Build the upstream request for one channel: model mapping, forced system prompt, usage in streams,
vendor quirks, and conversion between client format and provider protocol when they differ.

When nothing needs changing the client's body bytes are sent untouched (no re-serialising).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import orjson
from urllib3.filepost import encode_multipart_formdata

from oneapi import config
from oneapi.relay import providers, responses_state, user_content
from oneapi.relay.errors import RelayError
from oneapi.relay.providers import output_limits
from oneapi.relay.providers.anthropic import drop_top_p_beside_temperature
from oneapi.relay.providers.openai_compatible import drop_refused_fields, model_refused_fields
from oneapi.relay.providers.openai_compatible import (adapt_reasoning_params, downgrade_json_schema,
                                                     prefers_responses)
from oneapi.relay.request import RelayRequest

OPENAI = 1
AZURE = 3
OPENAI_COMPATIBLE = 50
OPENROUTER = 20
_INCLUDE_USAGE_MODES = {"chat", "completions"}


@dataclass
class Prepared:
    url: str
    headers: dict
    data: bytes
    provider_format: str         # chat | responses | claude | gemini | raw
    client_format: str | None    # None for raw passthrough modes
    converted: bool = False
    ir_request: object = None
    system_prompt_reset: bool = False
    upstream_stream: bool = False


def model_mapping(channel) -> dict:
    text = (channel.model_mapping or "").strip()
    if not text or text == "{}":
        return {}
    try:
        mapping = json.loads(text)
    except ValueError:
        return {}
    return mapping if isinstance(mapping, dict) else {}


def mapped_model(channel, model: str) -> str:
    target = model_mapping(channel).get(model)
    return target if isinstance(target, str) and target else model


def _codec(name: str):
    from oneapi.relay.formats import CODECS
    codec = CODECS.get(name)
    if codec is None or not hasattr(codec, "decode_request"):
        raise RelayError(400, f"format {name} is not supported yet", "invalid_request_error", "unsupported_format")
    return codec


def serves_responses(channel) -> bool:
    """Channels whose upstream has OpenAI's Responses API (type 50 only when its config says so)."""
    if channel.type in (OPENAI, AZURE):
        return True
    return channel.type == OPENAI_COMPATIBLE and providers.channel_config(channel).get("api_format") in (
        "response", "responses")


def provider_format(rr: RelayRequest, channel, model: str = "") -> str:
    """Which wire format this channel is spoken to in, for this request."""
    protocol = providers.protocol_of(channel.type)
    if protocol == "unsupported":
        raise RelayError(400, f"channel type {channel.type} is not supported", "one_api_error",
                         "unsupported_channel_type")
    if protocol == "proxy":
        return "raw"
    if protocol == "native":
        native_fmt = providers.native_adaptor(channel.type).body_format(model, rr.mode)
        if native_fmt is None:
            raise RelayError(400, f"{rr.path.split('?')[0]} is not supported by channel type {channel.type}",
                             "invalid_request_error", "unsupported_endpoint")
        return native_fmt
    fmt = rr.client_format
    if fmt is None:  # embeddings, images, audio, moderations, rerank, completions: OpenAI protocol only
        if protocol == "gemini" and providers.gemini.media_adaptor(rr.mode):  # images, embeddings
            return "raw"
        if protocol != "openai":
            raise RelayError(400, f"{rr.path.split('?')[0]} is not supported by channel type {channel.type}",
                             "invalid_request_error", "unsupported_endpoint")
        return "raw"
    if protocol == "anthropic":
        return "claude"
    if protocol == "gemini":
        return "gemini"
    if fmt == "responses":
        return "responses" if serves_responses(channel) else "chat"
    if channel.type == OPENAI and prefers_responses(model):
        return "responses"
    return "chat"


def _apply_system_prompt(body: dict, fmt: str, prompt: str) -> None:
    if fmt == "chat":
        messages = list(body.get("messages") or [])
        if messages and isinstance(messages[0], dict) and messages[0].get("role") == "system":
            messages[0] = {**messages[0], "content": prompt}
        else:
            messages.insert(0, {"role": "system", "content": prompt})
        body["messages"] = messages
    elif fmt == "claude":
        body["system"] = prompt
    elif fmt == "responses":
        body["instructions"] = prompt


def _json_object_only(channel) -> bool:
    vendor = providers.vendor_of(channel.type)
    return bool(vendor and vendor.json_object_only)


def _fit_model(body: dict, fmt: str, model: str) -> bool:
    """Per-model limits every protocol has: output tokens within the model's maximum; Claude 4.5+ takes
    temperature or top_p, not both (also behind OpenAI-style gateways such as Copilot). True when changed."""
    changed = output_limits.clamp_output_tokens(body, fmt, model)
    if fmt in ("claude", "chat", "responses"):
        changed |= drop_top_p_beside_temperature(body, model)
    return changed


def _tweak_json(rr: RelayRequest, channel, model: str, fmt: str) -> tuple[bytes, bool]:
    """The body for a same-format request, re-serialised only when something changes."""
    if rr.json is None:
        return rr.raw, False
    body = dict(rr.json)
    changed = False
    if model and body.get("model") != model:  # mapped, or a default the client left out (dall-e-2, ...)
        body["model"] = model
        changed = True
    prompt = (channel.system_prompt or "").strip()
    if prompt:
        _apply_system_prompt(body, fmt, prompt)
        changed = True
    if (rr.stream and rr.mode in _INCLUDE_USAGE_MODES and config.settings.enforce_include_usage
            and not (body.get("stream_options") or {}).get("include_usage")):
        body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        changed = True
    sort = config.settings.openrouter_provider_sort
    if channel.type == OPENROUTER and sort and not (body.get("provider") or {}).get("sort"):
        body["provider"] = {**(body.get("provider") or {}), "sort": sort}
        changed = True
    if fmt in ("chat", "responses", "completions") and providers.protocol_of(channel.type) == "openai":
        changed |= adapt_reasoning_params(body, "responses" if fmt == "responses" else "chat", model, channel.type)
        changed |= fmt == "chat" and _json_object_only(channel) and downgrade_json_schema(body)
    changed |= _fit_model(body, fmt, model)
    if providers.protocol_of(channel.type) == "openai":
        changed |= drop_refused_fields(body, rr.mode, channel.type)  # xAI images: no size/quality/style
    if not changed:
        return rr.raw, False
    return orjson.dumps(body), bool(prompt)


def _multipart(rr: RelayRequest, model: str) -> tuple[bytes, str]:
    refused = model_refused_fields(rr.mode, model or rr.form.get("model"))  # gpt-image: no response_format
    if (not model or rr.form.get("model") == model) and not any(name in rr.form for name in refused):
        return rr.raw, rr.content_type
    fields = [(k, v) for k, v in rr.form.items() if k != "model" and k not in refused] + [("model", model)]
    fields += [(name, (filename, data, ctype)) for name, filename, ctype, data in rr.files]
    body, content_type = encode_multipart_formdata(fields)
    return body, content_type


def prepare(rr: RelayRequest, channel, model: str) -> Prepared:
    prepared = _prepare(rr, channel, model)
    from oneapi.relay import conversion_extras  # ?thinking, provider-native fields, safe tool names
    conversion_extras.adjust_upstream(rr, channel, model, prepared)
    if providers.protocol_of(channel.type) == "native":  # body tweaks and signing of native adaptors
        prepared.headers, prepared.data = providers.finish_native(channel, prepared.url, prepared.headers,
                                                                  prepared.data, model, prepared.upstream_stream)
    return prepared


def _prepare(rr: RelayRequest, channel, model: str) -> Prepared:
    fmt = provider_format(rr, channel, model)
    stream = rr.stream
    if fmt == "raw":
        target = providers.target(channel, rr.path, model, stream=stream)
        headers = dict(target.headers)
        if rr.is_multipart:
            data, ctype = _multipart(rr, model)
            headers["Content-Type"] = ctype
            return Prepared(target.url, headers, data, "raw", None, upstream_stream=stream)
        data, reset = _tweak_json(rr, channel, model, "chat" if rr.mode == "chat" else rr.mode)
        if providers.protocol_of(channel.type) == "gemini":  # images, embeddings: providers.gemini.media_adaptor
            target.url, data = providers.gemini.media_adaptor(rr.mode).prepare(target.url, data, model)
        if rr.raw:
            headers["Content-Type"] = rr.content_type or "application/json"
        return Prepared(target.url, headers, data, "raw", None, system_prompt_reset=reset, upstream_stream=stream)

    client_fmt = rr.client_format
    upstream_path = {"chat": "/v1/chat/completions", "responses": "/v1/responses",
                     "claude": "/v1/messages"}.get(fmt, rr.path)
    if fmt == client_fmt:
        rr = responses_state.for_native(rr)  # a conversation only the gateway's store knows is sent in full
        target = providers.target(channel, upstream_path if fmt != "chat" else rr.path, model, stream=stream)
        data, reset = _tweak_json(rr, channel, model, fmt)
        headers = {**target.headers, "Content-Type": "application/json"}
        return Prepared(target.url, headers, data, fmt, client_fmt, system_prompt_reset=reset, upstream_stream=stream)

    ir_req = _codec(client_fmt).decode_request(responses_state.replay_history(rr))  # + stored turns
    ir_req.model = model
    ir_req.stream = stream
    if stream:
        ir_req.include_usage = True
    reset = False
    prompt = (channel.system_prompt or "").strip()
    if prompt:
        from oneapi.relay.formats import ir
        ir_req.system = [ir.Text(prompt)]
        reset = True
    if not ir_req.max_tokens and fmt == "claude":
        ir_req.max_tokens = config.settings.default_max_token
    # Gemini and some native adaptors (Bedrock) cannot fetch image URLs: the gateway downloads them, vetted
    if fmt == "gemini" or getattr(providers.native_adaptor(channel.type), "INLINE_IMAGES", False):
        user_content.inline_remote_images(ir_req)
    body = _codec(fmt).encode_request(ir_req)
    if fmt in ("chat", "responses"):
        adapt_reasoning_params(body, fmt, model, channel.type)
    _fit_model(body, fmt, model)
    if fmt == "chat" and _json_object_only(channel):
        downgrade_json_schema(body)
    if fmt == "chat" and stream:
        body["stream_options"] = {"include_usage": True}
    if fmt == "chat":
        drop_refused_fields(body, "chat", channel.type)  # Mistral refuses even that stream_options
    target = providers.target(channel, upstream_path, model, stream=stream)
    headers = {**target.headers, "Content-Type": "application/json"}
    # keep what the client asked for when encoding the answer back
    ir_req.include_usage = bool(((rr.json or {}).get("stream_options") or {}).get("include_usage"))
    ir_req.model = rr.model
    return Prepared(target.url, headers, orjson.dumps(body), fmt, client_fmt, converted=True, ir_request=ir_req,
                    system_prompt_reset=reset, upstream_stream=stream)


def new_response_id() -> tuple[str, int]:
    import uuid
    return uuid.uuid4().hex[:24], int(time.time())
