"""The relay's straight line: pick a channel, prepare, send, and deliver — with retries on other channels.

Retries (option RetryTimes) move to another channel on connection errors, timeouts, 5xx, 429 and the
channel's own credential errors (401/403); never on the client's other 4xx, never for a pinned channel. A
channel that failed is excluded for the rest of the request.
"""
from __future__ import annotations

import logging
import time

import orjson
import requests
from flask import Response, g, stream_with_context

from oneapi.models.constants import CHANNEL_ENABLED
from oneapi.relay import (conversion_extras, metering, observe, prepare as prep, providers, responses_state, streaming,
                          upstream)
from oneapi.relay.auth import Caller
from oneapi.relay.errors import RelayError, error_response
from oneapi.relay.formats.errors import decode_any
from oneapi.relay.providers import output_limits
from oneapi.relay.request import RelayRequest
from oneapi.services import channel_health, routing
from oneapi.services.options import options

log = logging.getLogger(__name__)

RETRY_STATUSES = {401, 403, 408, 429}
MSG_SATURATED = "当前分组上游负载已饱和，请稍后再试"


class AttemptFailed(Exception):
    def __init__(self, error: RelayError, retryable: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.retryable = retryable


def _pinned_channel(caller: Caller):
    channel = routing.get_channel(caller.pinned_channel_id) if caller.pinned_channel_id else None
    if channel is None:
        from oneapi.models import Channel
        channel = Channel.get_or_none(Channel.id == caller.pinned_channel_id)
    if channel is None:
        raise RelayError(400, "无效的渠道 Id", "one_api_error", None)
    if channel.status != CHANNEL_ENABLED:
        raise RelayError(403, "该渠道已被禁用", "one_api_error", None)
    return channel


def no_channel_error(group: str, model: str) -> RelayError:
    return RelayError(503, f"当前分组 {group} 下对于模型 {model} 无可用渠道", "one_api_error", None)


def relay(caller: Caller, rr: RelayRequest) -> Response:
    """Serve one relay request end to end (errors come back as OpenAI-style responses)."""
    try:
        response = _relay(caller, rr)
    except RelayError as err:
        response = error_response(err, "claude" if rr.mode == "claude" else None)
    observe.answered(rr.model, response)
    return response


def _relay(caller: Caller, rr: RelayRequest) -> Response:
    group = caller.group
    pinned = caller.pinned_channel_id is not None
    attempts = 1 if pinned else 1 + max(0, options.get_int("RetryTimes", 0))
    excluded: set[int] = set()
    last: RelayError | None = None
    for _ in range(attempts):
        if pinned:
            channel = _pinned_channel(caller)
        else:
            channel = routing.pick(group, rr.model, excluded, caller.token.key)
        if channel is None:
            break
        try:
            return _attempt(caller, rr, channel)
        except AttemptFailed as failed:
            last = failed.error
            excluded.add(channel.id)
            if not failed.retryable:
                break
            log.info("request %s: channel #%s failed (%s); trying another", g.request_id, channel.id,
                     failed.error.message)
    if last is None:
        raise no_channel_error(group, rr.model)
    if last.status == 429:  # as the original, whatever the provider said
        last = RelayError(429, MSG_SATURATED, last.type, last.code)
    raise last


def _attempt(caller: Caller, rr: RelayRequest, channel) -> Response:
    model = prep.mapped_model(channel, rr.model)
    try:
        prepared = prep.prepare(rr, channel, model)
    except RelayError as err:  # this channel cannot serve the request (type or endpoint): try another
        raise AttemptFailed(err, retryable=True) from err
    meter = metering.Meter(g.request_id, caller, channel, rr.model, model, rr.stream,
                           started_at=getattr(g, "start_time", time.time()), background=rr.background)
    observe.attempting(meter)
    meter.reserve(metering.PromptCount(rr.json, rr.raw if not rr.is_multipart else b"", model, rr.mode),
                  output_limits.within_limit(rr.max_tokens, model), rr)
    try:
        resp = upstream.send("POST", prepared.url,
                             headers=prepared.headers, data=prepared.data or None, stream=True)
    except (requests.ConnectionError, requests.Timeout) as exc:
        meter.refund()
        channel_health.on_upstream_error(channel, caller.group, rr.model, None, message=str(exc))
        kind = "timeout" if isinstance(exc, requests.Timeout) else "connection error"
        observe.upstream_failed("timeout" if kind == "timeout" else "connect", channel.id)
        raise AttemptFailed(RelayError(502 if kind != "timeout" else 504, f"upstream {kind}: {type(exc).__name__}",
                                       "upstream_error", "do_request_failed"), retryable=True) from exc
    except Exception:
        meter.refund()
        raise
    # Bedrock's binary event stream as SSE; Replicate/BFL/Coze jobs followed to their answer (or their error)
    resp = providers.reframe(channel, resp)
    if resp.status_code // 100 != 2:
        _fail_attempt(caller, rr, channel, resp, meter)
    channel_health.on_upstream_success(channel)
    try:
        if _is_event_stream(resp):
            return _deliver_stream(rr, prepared, resp, meter)
        if rr.mode == "audio_speech" and not resp.headers.get("Content-Type", "").startswith("application/json"):
            return _deliver_audio(resp, meter)
        return conversion_extras.answer_body(rr, _deliver_body(rr, prepared, resp, meter))
    except Exception as exc:
        if isinstance(exc, AttemptFailed):
            observe.upstream_failed("malformed", channel.id)
        resp.close()
        meter.refund()
        raise


def _is_event_stream(resp) -> bool:
    return resp.headers.get("Content-Type", "").startswith("text/event-stream")


def _fail_attempt(caller, rr, channel, resp, meter) -> None:
    try:
        content = resp.content
    except requests.RequestException:
        content = b""
    finally:
        resp.close()
    meter.refund()
    status = resp.status_code
    err = decode_any(status, content)
    message = err.message or f"bad response status code {status}"
    channel_health.on_upstream_error(channel, caller.group, rr.model, status, err.type, err.code, message)
    observe.upstream_failed(observe.status_kind(status), channel.id)
    retryable = status >= 500 or status in RETRY_STATUSES
    raise AttemptFailed(RelayError(status, message, err.type or "upstream_error", err.code, err.param or ""),
                        retryable)


# ---- delivering the answer -------------------------------------------------------------------------------

def _usage_from_body(fmt: str, mode: str, body) -> metering.UsageNumbers | None:
    if not isinstance(body, dict):
        return None
    from oneapi.relay.formats import CODECS
    codec_name = fmt if fmt in CODECS else ("chat" if mode in ("chat", "completions", "embeddings") else None)
    raw_usage = body.get("usageMetadata") if fmt == "gemini" else body.get("usage")
    if fmt == "responses" and isinstance(body.get("response"), dict):
        raw_usage = body["response"].get("usage")
    if not isinstance(raw_usage, dict):
        return None
    if codec_name and hasattr(CODECS[codec_name], "decode_usage"):
        usage = CODECS[codec_name].decode_usage(raw_usage)
        if usage is not None:
            return metering.UsageNumbers.from_ir(usage)
    prompt = raw_usage.get("prompt_tokens", raw_usage.get("input_tokens", 0)) or 0
    completion = raw_usage.get("completion_tokens", raw_usage.get("output_tokens", 0)) or 0
    total = raw_usage.get("total_tokens") or 0
    if not completion and total > prompt:
        completion = total - prompt
    return metering.UsageNumbers(int(prompt), int(completion))


def _bad_answer(reason: str) -> AttemptFailed:
    """A 200 the client could not use (cut or garbled body): refunded, and another channel may answer."""
    return AttemptFailed(RelayError(502, f"upstream returned {reason}", "upstream_error", "bad_response_body"),
                         retryable=True)


def _deliver_body(rr: RelayRequest, prepared: prep.Prepared, resp, meter: metering.Meter) -> Response:
    try:
        content = resp.content
    except requests.RequestException as exc:  # the body was cut or timed out half-way
        raise _bad_answer(f"an incomplete body ({type(exc).__name__})") from exc
    finally:
        resp.close()
    content_type = resp.headers.get("Content-Type", "application/json")
    if prepared.converted:
        from oneapi.relay.formats import CODECS
        try:
            decoded = orjson.loads(content)
        except ValueError as exc:
            raise _bad_answer("invalid JSON") from exc
        answer = CODECS[prepared.provider_format].decode_response(
            decoded, **conversion_extras.decoder_options(rr, prepared))
        usage = metering.UsageNumbers.from_ir(answer.usage) if getattr(answer, "usage", None) else None
        encoded = CODECS[prepared.client_format].encode_response(answer, prepared.ir_request)
        responses_state.remember(rr, prepared, encoded)
        content = orjson.dumps(encoded)
        content_type = "application/json"
        meter.settle(usage, delivered_text=answer.text, system_prompt_reset=prepared.system_prompt_reset)
    elif content_type.startswith("application/json"):
        try:
            body = orjson.loads(content)
        except ValueError as exc:
            raise _bad_answer("invalid JSON") from exc
        _settle_json(rr, prepared, meter, body)
    elif rr.mode in ("audio_transcription", "audio_translation"):  # text, srt or vtt transcripts
        meter.settle_transcription(content.decode("utf-8", "replace"))
    else:  # binary speech, priced up front
        meter.settle_quota(meter.media_quota or 0)
    headers = {k: v for k, v in resp.headers.items() if k in ("Content-Disposition",)}
    return Response(content, status=resp.status_code, content_type=content_type, headers=headers)


def _settle_json(rr: RelayRequest, prepared: prep.Prepared, meter: metering.Meter, body) -> None:
    if rr.mode in ("audio_transcription", "audio_translation"):
        meter.settle_transcription(body)
        return
    if rr.mode in ("images", "images_edits"):
        meter.settle_image(body, _usage_from_body(prepared.provider_format, rr.mode, body))
        return
    if meter.media_quota is not None:  # speech: the price was known before the call
        meter.settle_quota(meter.media_quota, _usage_from_body(prepared.provider_format, rr.mode, body))
        return
    usage = _usage_from_body(prepared.provider_format, rr.mode, body)
    meter.settle(usage or metering.UsageNumbers(meter.prompt_tokens(), 0),
                 system_prompt_reset=prepared.system_prompt_reset, estimated=usage is None)


def _deliver_audio(resp, meter: metering.Meter) -> Response:
    """Speech is relayed chunk by chunk as it is synthesised; its price was fixed before the call."""
    meter.settle_quota(meter.media_quota or 0)

    def chunks():
        try:
            while True:
                chunk = resp.raw.read1(65536, decode_content=True)
                if not chunk:
                    return
                yield chunk
        finally:
            resp.close()

    headers = {k: v for k, v in resp.headers.items() if k in ("Content-Disposition",)}
    return Response(stream_with_context(chunks()), status=resp.status_code,
                    content_type=resp.headers.get("Content-Type", "application/octet-stream"), headers=headers)


def _deliver_stream(rr: RelayRequest, prepared: prep.Prepared, resp, meter: metering.Meter) -> Response:
    from oneapi.relay import stream_processors
    processor = responses_state.watch_stream(rr, prepared, stream_processors.for_request(rr, prepared))
    processor = conversion_extras.wrap_stream(rr, processor)  # tool names, reasoning field, <think>
    watch = observe.StreamWatch(rr.model, meter)

    def settle() -> None:  # once: later calls do nothing
        if meter.media_quota is not None:  # speech streamed as events: priced by its characters before the call
            meter.settle_quota(meter.media_quota)
        else:
            meter.settle(processor.usage, delivered_text=processor.delivered_text(),
                         system_prompt_reset=prepared.system_prompt_reset)

    # A client that has the final event reads its cost, log and balance at once: settle (and await the
    # ledger's commit) before that event is written, not after the stream is over.
    def on_event(raw: bytes) -> bytes:
        out = processor.on_event(raw)
        if out and stream_processors.ends_stream(out):
            settle()
        return out

    def on_end() -> bytes:
        out = processor.on_end()
        settle()
        return out

    def on_error(message: str) -> bytes:  # the error event ends the stream too
        out = processor.on_error(message)
        settle()
        return out

    def finished(client_gone: bool) -> None:
        if client_gone:
            log.info("request %s: client disconnected mid-stream", meter.request_id)
        settle()
        watch.finished()
        from oneapi.db import close_request_connections
        close_request_connections()

    body = watch.body(streaming.pump(resp, watch.on_event(on_event), on_end,
                                     watch.on_error(on_error), finished))
    # Auth, routing and the reservation are done: a stream may last minutes, so it holds no pooled connection
    # meanwhile (settlement at the end takes one briefly). Otherwise N streams would need N connections.
    from oneapi.db import close_request_connections
    close_request_connections()
    return Response(stream_with_context(body), status=200, headers=dict(streaming.HEADERS))

