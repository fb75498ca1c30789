"""Prometheus metrics: HTTP requests, the relay (latency, time to first token, errors, quota), streams, pools.

Several gunicorn workers are one target: ``gunicorn.conf.py`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
directory before any worker starts, every worker writes its samples there, and a scrape of ``/metrics`` on any
worker aggregates all of them (gauges sum over live workers). Under ``python app.py`` (one process) the
variable is unset and the ordinary in-process registry is used.

Labels never carry secrets: routes are Flask's rule templates (``/api/token/<int:id>``), never raw paths;
channels are ids; models are names the administrator configured.

Other modules call the recording functions below; each is cheap and never raises.
"""
from __future__ import annotations

import hmac
import logging
import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest)
from prometheus_client.core import GaugeMetricFamily

from oneapi import config
from oneapi.config import Config

log = logging.getLogger(__name__)

# prometheus_client's own switch (set by gunicorn.conf.py), not a gateway setting.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_TTFT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60)

HTTP_REQUESTS = Counter("one_api_http_requests", "HTTP requests served", ["path", "method", "status_code"])
HTTP_DURATION = Histogram("one_api_http_request_duration_seconds", "HTTP request duration until the body ended",
                          ["path", "method"], buckets=_LATENCY_BUCKETS)
HTTP_ACTIVE = Gauge("one_api_http_active_requests", "HTTP requests in progress (streams included)",
                    multiprocess_mode="livesum")
RELAY_REQUESTS = Counter("one_api_relay_requests", "Relayed requests by outcome",
                         ["model", "channel_id", "status"])
RELAY_DURATION = Histogram("one_api_relay_request_duration_seconds", "Relayed request duration",
                           ["model", "channel_id"], buckets=_LATENCY_BUCKETS)
RELAY_TTFT = Histogram("one_api_relay_first_token_seconds", "Time to the first streamed token",
                       ["model", "channel_id"], buckets=_TTFT_BUCKETS)
UPSTREAM_ERRORS = Counter("one_api_upstream_errors", "Upstream failures by kind", ["kind", "channel_id"])
QUOTA_CONSUMED = Counter("one_api_quota_consumed", "Quota units charged")
STREAMS_IN_FLIGHT = Gauge("one_api_streams_in_flight", "Relay streams currently open",
                          multiprocess_mode="livesum")
RATE_LIMITED = Counter("one_api_rate_limited", "Requests refused with 429 by a rate limit", ["mark"])
DB_POOL = Gauge("one_api_db_pool_connections", "Database pool connections by state",
                ["database", "state"], multiprocess_mode="livesum")
REDIS_POOL = Gauge("one_api_redis_pool_connections", "Redis pool connections by state",
                   ["pool", "state"], multiprocess_mode="livesum")

_MAX_LABEL = 80


def _label(value) -> str:
    text = str(value if value is not None else "")
    return text[:_MAX_LABEL]


def _channel(channel_id) -> str:
    try:
        return str(int(channel_id))
    except (TypeError, ValueError):
        return "0"


_children: dict[tuple, object] = {}


def _child(metric, *labels: str):
    """``metric.labels(*labels)``, remembered: prometheus_client's own lookup costs more than the count."""
    key = (metric, labels)
    child = _children.get(key)
    if child is None:
        if len(_children) > 10_000:  # requested model names are labels: keep this bounded
            _children.clear()
        child = _children[key] = metric.labels(*labels)
    return child


# --------------------------------------------------------------------------- API for other modules

def observe_relay(model: str, channel_id: int, status: int | str, seconds: float,
                  ttft_seconds: float | None = None) -> None:
    """One relayed request finished: ``status`` is the HTTP status returned to the client."""
    try:
        m, c = _label(model), _channel(channel_id)
        _child(RELAY_REQUESTS, m, c, _label(status)).inc()
        _child(RELAY_DURATION, m, c).observe(max(0.0, float(seconds)))
        if ttft_seconds is not None:
            _child(RELAY_TTFT, m, c).observe(max(0.0, float(ttft_seconds)))
    except Exception:  # noqa: BLE001 - metrics must never break a request
        log.debug("observe_relay failed", exc_info=True)


def upstream_error(kind: str, channel_id: int) -> None:
    """An upstream call failed; ``kind`` is a short word: timeout, connect, 5xx, 429, auth, malformed, cut..."""
    try:
        _child(UPSTREAM_ERRORS, _label(kind), _channel(channel_id)).inc()
    except Exception:  # noqa: BLE001
        log.debug("upstream_error failed", exc_info=True)


def quota_consumed(n: int | float) -> None:
    if n and n > 0:
        QUOTA_CONSUMED.inc(n)


def stream_started() -> None:
    STREAMS_IN_FLIGHT.inc()


def stream_finished() -> None:
    STREAMS_IN_FLIGHT.dec()


def rate_limited(mark: str) -> None:
    _child(RATE_LIMITED, _label(mark)).inc()


# --------------------------------------------------------------------------- pools

def _sample_db_pools() -> None:
    from oneapi import db
    seen = set()
    for name, proxy in (("main", db.database), ("log", db.log_database)):
        database = proxy.obj
        if database is None or id(database) in seen:
            continue
        seen.add(id(database))
        in_use = getattr(database, "_in_use", None)
        idle = getattr(database, "_connections", None)
        if in_use is None or idle is None:
            continue  # SQLite: one connection per greenlet, no pool
        DB_POOL.labels(name, "in_use").set(len(in_use))
        DB_POOL.labels(name, "idle").set(len(idle))
        DB_POOL.labels(name, "max").set(getattr(database, "_max_connections", 0) or 0)


def _redis_pools() -> list[tuple[str, object]]:
    pools = []
    from oneapi.ops.ratelimit import limiter
    if limiter.pool() is not None:
        pools.append(("ratelimit", limiter.pool()))
    if config.settings.redis_enabled:
        try:
            from oneapi.services import cache
            client = cache.redis_client()
            if client is not None:
                pools.append(("cache", client.connection_pool))
        except Exception:  # noqa: BLE001 - the cache module may not offer a client
            pass
    return pools


def _redis_pool_counts(pool) -> tuple[int, int] | None:
    """(in use, idle) connections of a redis-py pool, plain or blocking; None for other kinds."""
    if hasattr(pool, "_in_use_connections") and hasattr(pool, "_available_connections"):
        return len(pool._in_use_connections), len(pool._available_connections)
    created, queue = getattr(pool, "_connections", None), getattr(getattr(pool, "pool", None), "queue", None)
    if created is None or queue is None:  # a BlockingConnectionPool keeps idle ones in a queue padded with None
        return None
    idle = sum(1 for conn in list(queue) if conn is not None)
    return len(created) - idle, idle


def _sample_redis_pools() -> None:
    for name, pool in _redis_pools():
        counts = _redis_pool_counts(pool)
        if counts is None:
            continue
        REDIS_POOL.labels(name, "in_use").set(counts[0])
        REDIS_POOL.labels(name, "idle").set(counts[1])


_last_sample = 0.0


def sample_pools(min_interval: float = 1.0) -> None:
    """Refresh this process's pool gauges (at most once per ``min_interval``: requests call it)."""
    global _last_sample
    now = time.monotonic()
    if now - _last_sample < min_interval:
        return
    _last_sample = now
    try:
        _sample_db_pools()
        _sample_redis_pools()
    except Exception:  # noqa: BLE001
        log.debug("pool sampling failed", exc_info=True)


class ChannelStatusCollector:
    """Channel status read from the database at scrape time (the same for every worker and instance)."""

    def collect(self):
        status = GaugeMetricFamily("one_api_channel_status",
                                   "Channel status (1 enabled, 2 manually disabled, 3 auto disabled)",
                                   labels=["channel_id", "type"])
        counts = GaugeMetricFamily("one_api_channels", "Channels by status", labels=["status"])
        try:
            from oneapi.models.channel import Channel
            by_status: dict[int, int] = {}
            for row in Channel.select(Channel.id, Channel.type, Channel.status).tuples():
                status.add_metric([str(row[0]), str(row[1])], row[2])
                by_status[row[2]] = by_status.get(row[2], 0) + 1
            for value, count in sorted(by_status.items()):
                counts.add_metric([str(value)], count)
        except Exception:  # noqa: BLE001 - a scrape must answer even when the database does not
            log.warning("metrics: channel status unavailable", exc_info=True)
        yield status
        yield counts


def _scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if MULTIPROCESS:
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    registry.register(ChannelStatusCollector())
    return registry


# --------------------------------------------------------------------------- HTTP instrumentation and /metrics

def _route_label() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _authorised(cfg: Config) -> bool:
    header = request.headers.get("Authorization", "").strip()
    if cfg.metrics_token and header.startswith("Bearer "):
        if hmac.compare_digest(header[len("Bearer "):].strip().encode(), cfg.metrics_token.encode()):
            return True
    from oneapi.auth import authenticate_api
    from oneapi.models.constants import ROLE_ADMIN, USER_ENABLED
    user, error = authenticate_api()
    return error is None and user is not None and user.status == USER_ENABLED and user.role >= ROLE_ADMIN


def install(app: Flask, cfg: Config) -> None:
    if not cfg.enable_prometheus_metrics:
        return

    @app.before_request
    def _metrics_start():
        g._metrics_t0 = time.perf_counter()
        HTTP_ACTIVE.inc()
        sample_pools()

    @app.after_request
    def _metrics_finish(response):
        t0 = g.pop("_metrics_t0", None)
        if t0 is None:
            return response
        path, method, status = _route_label(), request.method, str(response.status_code)

        def _record():  # when the body has been sent: streams count in full
            HTTP_ACTIVE.dec()
            _child(HTTP_REQUESTS, path, method, status).inc()
            _child(HTTP_DURATION, path, method).observe(time.perf_counter() - t0)

        response.call_on_close(_record)
        return response

    # First of all hooks, so that requests refused by a rate limit are counted too.
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.insert(0, funcs.pop())

    @app.get("/metrics")
    def metrics_endpoint():
        if not _authorised(config.settings):
            return Response('{"error": "metrics require an admin session, access token or METRICS_TOKEN"}',
                            status=401, mimetype="application/json")
        sample_pools(min_interval=0)
        return Response(generate_latest(_scrape_registry()), mimetype=CONTENT_TYPE_LATEST)
