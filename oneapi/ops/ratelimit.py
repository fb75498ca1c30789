"""Sliding-window rate limits, as the original: per IP on /api and pages, stricter on login-like routes.

One limiter, two stores. With Redis configured (``REDIS_CONN_STRING`` and ``SYNC_FREQUENCY`` != 0, as the
original decides) every instance shares the window in a Redis list under ``rateLimit:<mark>:<key>`` (the
fork's key names); otherwise each process keeps it in memory. A window is "at most ``limit`` requests in any
``window_s`` seconds": the list holds the newest ``limit`` timestamps, and a request is refused while the
oldest of them is younger than the window.

If Redis fails the limiter fails open towards the per-process memory store (never stricter than the shared
limit, never an error for the client) and retries Redis after a short pause.

Other modules (the relay's per-token ``GR`` and per-channel ``CR`` limits) call :func:`allow`.
"""
from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import threading
import time
from collections import deque

from flask import Flask, Response, request

from oneapi import config
from oneapi.config import Config

log = logging.getLogger(__name__)

# Marks (the fork's): global API, global web, critical, relay per token, channel per token+channel.
MARK_API, MARK_WEB, MARK_CRITICAL, MARK_RELAY, MARK_CHANNEL = "GA", "GW", "CT", "GR", "CR"
API_WINDOW_S = 180
WEB_WINDOW_S = 180
CRITICAL_WINDOW_S = 1200
RELAY_WINDOW_S = 180
CHANNEL_WINDOW_S = 180
KEY_TTL_S = 20 * 60  # the original's RateLimitKeyExpirationDuration (at least every window above)
_REDIS_RETRY_AFTER_S = 5.0  # after a Redis error, use memory for this long before trying Redis again

# Login, sign-up, password reset, e-mail verification and OAuth: the routes brute force goes after.
_CRITICAL_EXACT = {"/api/user/login", "/api/user/register", "/api/verification", "/api/reset_password",
                   "/api/user/reset"}
_CRITICAL_PREFIXES = ("/api/oauth/",)
_CRITICAL_WEB_POSTS = {"/login", "/register"}
_UNLIMITED_PREFIXES = ("/static/", "/metrics", "/favicon.ico")
_RELAY_PREFIXES = ("/v1/", "/v1beta/", "/mj/", "/suno/")


# --------------------------------------------------------------------------- stores

class MemoryWindow:
    """Per-process sliding windows: key -> deque of the newest ``limit`` request times (monotonic)."""

    def __init__(self) -> None:
        self._windows: dict[str, deque] = {}
        self._lock = threading.Lock()
        self._last_sweep = time.monotonic()

    def hit(self, key: str, limit: int, window_s: float) -> float | None:
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            times = self._windows.get(key)
            if times is None:
                times = self._windows[key] = deque()
            while len(times) > limit:  # the limit was lowered since the last request
                times.popleft()
            if len(times) >= limit:
                wait = times[0] + window_s - now
                if wait > 0:
                    return wait
                times.popleft()
            times.append(now)
            return None

    def _sweep(self, now: float) -> None:
        # Forget idle keys now and then so that one-off IPs do not accumulate forever.
        if now - self._last_sweep < 60:
            return
        self._last_sweep = now
        stale = [k for k, t in self._windows.items() if not t or now - t[-1] > KEY_TTL_S]
        for k in stale:
            del self._windows[k]

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


# KEYS[1] list; ARGV: limit, window ms, ttl ms. Returns -1 when allowed, else milliseconds to wait.
# Redis's own clock is used so that instances with skewed clocks share one window.
_REDIS_SCRIPT = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('LLEN', KEYS[1]) >= limit then
  local oldest = tonumber(redis.call('LINDEX', KEYS[1], limit - 1)) or 0
  if now - oldest < window then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return window - (now - oldest)
  end
end
redis.call('LPUSH', KEYS[1], now)
redis.call('LTRIM', KEYS[1], 0, limit - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return -1
"""


class RedisWindow:
    """Shared sliding windows in Redis lists, updated atomically by one Lua script per request."""

    def __init__(self, client) -> None:
        self.client = client
        self._script = client.register_script(_REDIS_SCRIPT)

    def hit(self, key: str, limit: int, window_s: float) -> float | None:
        wait_ms = int(self._script(keys=[key], args=[limit, int(window_s * 1000), KEY_TTL_S * 1000]))
        return None if wait_ms < 0 else wait_ms / 1000.0


def _redis_client(cfg: Config):
    """A small, dedicated pool with short timeouts: a slow Redis must not stall every request."""
    if cfg.redis_master_name:
        from redis.sentinel import Sentinel
        addrs = [a.strip().rsplit(":", 1) for a in cfg.redis_conn_string.split(",") if a.strip()]
        sentinel = Sentinel([(h, int(p)) for h, p in addrs], password=cfg.redis_password or None,
                            socket_timeout=0.5, socket_connect_timeout=0.5)
        return sentinel.master_for(cfg.redis_master_name, password=cfg.redis_password or None,
                                   socket_timeout=0.5, socket_connect_timeout=0.5)
    from oneapi.redis_pool import client_from_url
    return client_from_url(cfg.redis_conn_string, socket_timeout=0.5, health_check_interval=30)


class Limiter:
    """Chooses the store (Redis when configured, memory otherwise or while Redis is failing)."""

    def __init__(self) -> None:
        self.memory = MemoryWindow()
        self._redis: RedisWindow | None = None
        self._redis_for: str | None = None
        self._redis_down_until = 0.0
        self._lock = threading.Lock()

    def _redis_store(self, cfg: Config) -> RedisWindow | None:
        if not cfg.redis_enabled or time.monotonic() < self._redis_down_until:
            return None
        if self._redis is None or self._redis_for != cfg.redis_conn_string:
            with self._lock:
                if self._redis is None or self._redis_for != cfg.redis_conn_string:
                    self._redis = RedisWindow(_redis_client(cfg))
                    self._redis_for = cfg.redis_conn_string
        return self._redis

    def allow(self, mark: str, key: str, limit: int, window_s: float) -> float | None:
        cfg = config.settings
        if limit <= 0 or cfg.rate_limits_disabled:
            return None
        full_key = f"rateLimit:{mark}:{key}"
        store = self._redis_store(cfg)
        if store is not None:
            try:
                return store.hit(full_key, limit, window_s)
            except Exception as exc:  # noqa: BLE001 - any Redis failure: fail open to memory
                self._redis_down_until = time.monotonic() + _REDIS_RETRY_AFTER_S
                log.warning("rate limiter: Redis unavailable (%s); using per-process limits for %.0fs",
                            type(exc).__name__, _REDIS_RETRY_AFTER_S)
        return self.memory.hit(full_key, limit, window_s)

    def pool(self):
        """The Redis connection pool in use (for the pool gauges), or None."""
        return self._redis.client.connection_pool if self._redis is not None else None

    def reset(self) -> None:
        """Forget every in-memory window (tests)."""
        self.memory.clear()
        self._redis_down_until = 0.0


limiter = Limiter()


def allow(mark: str, key: str, limit: int, window_s: int) -> float | None:
    """Count one request against ``rateLimit:<mark>:<key>``.

    Returns None when the request may proceed, else the seconds until it would be allowed (the caller answers
    429 with ``Retry-After``). ``limit`` <= 0, ``DEBUG`` or ``RATE_LIMIT_DISABLED`` mean no limit.
    """
    return limiter.allow(mark, key, limit, window_s)


@functools.lru_cache(maxsize=4096)  # every relay request asks for its key's
def hashed_token_key(token_key: str) -> str:
    """The fork's per-token key part: hex of the first 8 bytes of sha256(key) (no secret in Redis)."""
    return hashlib.sha256(token_key.encode("utf-8")).digest()[:8].hex()


def relay_wait(token_key: str) -> float | None:
    """GLOBAL_RELAY_RATE_LIMIT per API key per 180 s (fork key ``rateLimit:GR:<sha256(key)[:8] hex>``)."""
    return allow(MARK_RELAY, hashed_token_key(token_key), config.settings.global_relay_rate_limit, RELAY_WINDOW_S)


def channel_wait(token_key: str, channel_id: int, channel_limit: int) -> float | None:
    """Per key and channel per 180 s when GLOBAL_CHANNEL_RATE_LIMIT is on, using ``channels.ratelimit``."""
    if not config.settings.global_channel_rate_limit or not channel_limit or channel_limit <= 0:
        return None
    return allow(MARK_CHANNEL, f"{hashed_token_key(token_key)}:{int(channel_id)}", channel_limit, CHANNEL_WINDOW_S)


def retry_after_header(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))


def too_many_requests(wait_s: float, limit: int) -> Response:
    """The original answers 429 with an empty body; the fork adds these headers."""
    resp = Response(status=429)
    resp.headers["Retry-After"] = retry_after_header(wait_s)
    resp.headers["RateLimit-Limit"] = str(limit)
    resp.headers["RateLimit-Remaining"] = "0"
    resp.headers["RateLimit-Reset"] = retry_after_header(wait_s)
    return resp


# --------------------------------------------------------------------------- per-IP limits on routes

_PROXY_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
    "::1/128", "fc00::/7", "fe80::/10"))


def _is_proxy(addr: str) -> bool:
    """Loopback, RFC 1918/4193, CGNAT or link-local: where a reverse proxy (nginx, an ingress) sits."""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in net for net in _PROXY_NETWORKS)


def client_ip() -> str:
    """The caller's address; forwarding headers count only when the peer is a local/private proxy.

    A client cannot spoof its way past the limit: the last X-Forwarded-For entry is the one our own proxy
    appended (nginx's ``$proxy_add_x_forwarded_for``); X-Real-IP is preferred when the proxy sets it.
    """
    peer = request.remote_addr or ""
    if not _is_proxy(peer):
        return peer
    real = request.headers.get("X-Real-IP", "").strip()
    if real:
        return real
    forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
    return forwarded[-1] if forwarded else peer


def _limits_for(path: str, method: str, cfg: Config) -> list[tuple[str, int, int]]:
    """The (mark, limit, window) pairs that apply to a request, in the order they are checked."""
    if path.startswith(_UNLIMITED_PREFIXES) or path.startswith(_RELAY_PREFIXES) or path in ("/v1", "/v1beta"):
        return []
    if path.startswith(("/api/", "/dashboard/")) or path in ("/api", "/dashboard"):
        limits = [(MARK_API, cfg.global_api_rate_limit, API_WINDOW_S)]
        if path in _CRITICAL_EXACT or path.startswith(_CRITICAL_PREFIXES):
            limits.append((MARK_CRITICAL, cfg.critical_rate_limit, CRITICAL_WINDOW_S))
        return limits
    limits = [(MARK_WEB, cfg.global_web_rate_limit, WEB_WINDOW_S)]
    if method == "POST" and path.rstrip("/") in _CRITICAL_WEB_POSTS:
        limits.append((MARK_CRITICAL, cfg.critical_rate_limit, CRITICAL_WINDOW_S))
    return limits


def install(app: Flask, cfg: Config) -> None:
    """Apply the per-IP limits to /api, dashboard, page and sign-in routes (not to the relay)."""
    limiter.reset()  # a new application starts with empty local windows (one per process in production)
    if cfg.rate_limits_disabled:
        return

    @app.before_request
    def _rate_limit():
        if request.blueprint == "relay" and not request.path.startswith("/dashboard"):
            return None  # the relay limits per token itself
        limits = _limits_for(request.path, request.method, config.settings)
        if not limits:
            return None
        ip = client_ip()
        for mark, limit, window in limits:
            wait = allow(mark, ip, limit, window)
            if wait is not None:
                from oneapi.ops import metrics
                metrics.rate_limited(mark)
                return too_many_requests(wait, limit)
        return None

    # Run before authentication and request bookkeeping of other hooks registered earlier.
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.insert(0, funcs.pop())
