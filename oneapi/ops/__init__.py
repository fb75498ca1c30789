"""Operations: rate limits, Prometheus metrics, graceful shutdown, retention jobs, log push, slave redirect.

``install(app, cfg)`` is called by the app factory after the blueprints are registered. Retention jobs start
with the other background jobs (``oneapi.jobs`` calls ``oneapi.ops.retention.start_jobs``).

For other modules:
* ``oneapi.ops.ratelimit.allow(mark, key, limit, window_s) -> float | None`` (None = go on, else seconds to wait)
* ``oneapi.ops.metrics.observe_relay / upstream_error / quota_consumed / stream_started / stream_finished``
"""
from flask import Flask

from oneapi.config import Config


def install(app: Flask, cfg: Config) -> None:
    from oneapi import lifecycle
    from oneapi.ops import frontend, logpush, metrics, ratelimit, shutdown

    logpush.install(cfg.log_push_api, cfg.log_push_type, cfg.log_push_token)
    shutdown.install(app)
    frontend.install(app, cfg)
    ratelimit.install(app, cfg)
    metrics.install(app, cfg)  # its hook goes first, so refused requests are counted
    lifecycle.on_shutdown(_close_redis_pools)


def _close_redis_pools() -> None:
    from oneapi.ops.ratelimit import limiter
    pool = limiter.pool()
    if pool is not None:
        pool.disconnect()
