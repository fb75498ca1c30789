"""The relay's Prometheus observations (oneapi.ops.metrics), kept out of the pipeline's straight line.

Per request: the attempt's meter is remembered on ``flask.g``; a plain answer is observed when the response is
returned, a stream when it ends (with its time to first token). Labels are the requested model, the channel id
and the HTTP status: never keys, URLs or user data. Nothing here may break a request.
"""
from __future__ import annotations

import logging
import time

from flask import g

from oneapi.ops import metrics

log = logging.getLogger(__name__)


def _quiet(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - metrics must never break a request
        log.debug("metric %s failed", getattr(fn, "__name__", fn), exc_info=True)


def _meter_channel(meter) -> int:
    return getattr(getattr(meter, "channel", None), "id", 0) or 0


def _charged(meter) -> None:
    final = getattr(getattr(meter, "reservation", None), "final", None)
    if final:
        _quiet(metrics.quota_consumed, final)


def attempting(meter) -> None:
    """The meter of the attempt now under way (the last one is the one the client's answer comes from)."""
    g.relay_meter = meter


def upstream_failed(kind: str, channel_id: int) -> None:
    _quiet(metrics.upstream_error, kind, channel_id)


def status_kind(status: int) -> str:
    if status == 429:
        return "429"
    if status in (401, 403):
        return "auth"
    return "5xx" if status >= 500 else "4xx"


def answered(model: str, response) -> None:
    """A relay response is going back; streams are observed when they end (StreamWatch)."""
    state = g._get_current_object()  # one context lookup instead of one per attribute
    if getattr(state, "relay_streaming", False):
        return
    meter = getattr(state, "relay_meter", None)
    status = getattr(response, "status_code", 0)
    elapsed = time.time() - getattr(state, "start_time", time.time())
    _quiet(metrics.observe_relay, model, _meter_channel(meter), status, elapsed)
    if status == 200:
        _charged(meter)


class StreamWatch:
    """Wraps a stream's event callbacks: in-flight gauge, time to first token, upstream cuts and idles."""

    def __init__(self, model: str, meter) -> None:
        self.model, self.meter = model, meter
        self.started_at = getattr(g, "start_time", time.time())
        self.first_at: float | None = None
        g.relay_streaming = True

    def body(self, events):
        """The in-flight gauge rises when the stream really starts (its end, ``finished``, runs only then)."""
        _quiet(metrics.stream_started)
        yield from events

    def on_event(self, handler):
        def watched(raw: bytes) -> bytes:
            out = handler(raw)
            if out and self.first_at is None:
                self.first_at = time.time()
            return out
        return watched

    def on_error(self, handler):
        def watched(message: str) -> bytes:
            upstream_failed("idle" if "sent nothing" in message else "cut", _meter_channel(self.meter))
            return handler(message)
        return watched

    def finished(self) -> None:
        _quiet(metrics.stream_finished)
        ttft = self.first_at - self.started_at if self.first_at is not None else None
        _quiet(metrics.observe_relay, self.model, _meter_channel(self.meter), 200, time.time() - self.started_at,
               ttft)
        _charged(self.meter)
