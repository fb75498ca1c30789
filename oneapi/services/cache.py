"""Hot-path lookups (token by key, user status/role/group) cached in memory or Redis.

Without MEMORY_CACHE_ENABLED or Redis every lookup reads the database (as the original does). With the memory
cache, rows are kept per process for SYNC_FREQUENCY seconds; with Redis (REDIS_CONN_STRING), they are shared by
every process under the original's key names, so an invalidation reaches all workers at once.

Control-plane code calls the ``invalidate_*`` functions after every change.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import Callable

import orjson

from oneapi import config

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    user_id: int
    key: str
    status: int
    name: str
    expired_time: int
    remain_quota: int
    unlimited_quota: bool
    used_quota: int
    models: str
    subnet: str


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: int
    status: int
    group: str
    quota: int


class MemoryStore:
    """A process-local TTL map."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] < time.monotonic():
            self._items.pop(key, None)
            return None
        return item[1]

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            if len(self._items) > 100_000:  # a bound, so unknown keys cannot grow memory without limit
                self._items.clear()
            self._items[key] = (time.monotonic() + ttl, value)

    def delete(self, key: str) -> None:
        self._items.pop(key, None)

    def incr(self, key: str) -> int:
        with self._lock:
            value = int((self._items.get(key) or (0, "0"))[1]) + 1
            self._items[key] = (float("inf"), str(value))
            return value

    def clear(self) -> None:
        self._items.clear()


class RedisStore:
    def __init__(self, client) -> None:
        self.client = client

    def get(self, key: str) -> str | None:
        value = self.client.get(key)
        return value.decode() if isinstance(value, bytes) else value

    def set(self, key: str, value: str, ttl: float) -> None:
        self.client.set(key, value, ex=max(1, int(ttl)))

    def delete(self, key: str) -> None:
        self.client.delete(key)

    def incr(self, key: str) -> int:
        return int(self.client.incr(key))

    def clear(self) -> None:  # tests only
        pass


_memory = MemoryStore()
_redis_store: RedisStore | None = None
_redis_for: str | None = None
_lock = threading.Lock()


def redis_client():
    """The shared redis-py client when REDIS_CONN_STRING is set (and SYNC_FREQUENCY != 0), else None."""
    global _redis_store, _redis_for
    cfg = config.settings
    if not cfg.redis_enabled:
        return None
    if _redis_store is None or _redis_for != cfg.redis_conn_string:
        with _lock:
            if cfg.redis_master_name:
                from redis.sentinel import Sentinel
                addrs = [tuple(a.strip().rsplit(":", 1)) for a in cfg.redis_conn_string.split(",") if a.strip()]
                sentinel = Sentinel([(h, int(p)) for h, p in addrs], password=cfg.redis_password or None)
                client = sentinel.master_for(cfg.redis_master_name, password=cfg.redis_password or None)
            else:
                from oneapi.redis_pool import client_from_url
                client = client_from_url(cfg.redis_conn_string, socket_timeout=5)
            _redis_store, _redis_for = RedisStore(client), cfg.redis_conn_string
    return _redis_store.client


# After a failed Redis call, lookups go straight to the database for this long: an unreachable Redis then costs
# one failed call (or connect timeout) per interval, not one per lookup, and one log line instead of thousands.
REDIS_RETRY_AFTER_S = 5.0
_redis_down_until = 0.0


def _redis_failed(action: str, key: str, exc: Exception) -> None:
    global _redis_down_until
    if time.monotonic() >= _redis_down_until:  # the key's kind only: a token key is a secret
        log.warning("cache: Redis unavailable (%s %s: %s); using the database for %.0fs", action,
                    key.split(":", 1)[0], type(exc).__name__, REDIS_RETRY_AFTER_S)
    _redis_down_until = time.monotonic() + REDIS_RETRY_AFTER_S


def _redis_down() -> bool:
    return time.monotonic() < _redis_down_until


def _store():
    """Where cached rows live, or None when caching is off (or Redis is down for a moment)."""
    cfg = config.settings
    if cfg.redis_enabled:
        if _redis_down():
            return None
        redis_client()
        return _redis_store
    if cfg.memory_cache_enabled:
        return _memory
    return None


def _ttl() -> float:
    return max(1, config.settings.sync_frequency or 600)


@functools.lru_cache(maxsize=1024)
def _decoded(build: type, raw: str):
    """A stored row as ``build`` (frozen): decoded once per distinct text, since hot rows are read per request."""
    return build(**orjson.loads(raw))


def _built(build: type, value: dict | None):
    return build(**value) if value else None


def _cached(key: str, load: Callable[[], dict | None], build: type):
    """The row under ``key`` as ``build``: from the store when it is there, else loaded (and stored)."""
    store = _store()
    if store is None:
        return _built(build, load())
    try:
        raw = store.get(key)
    except Exception as exc:  # a Redis outage must not take the relay down: read the database instead
        _redis_failed("read", key, exc)
        return _built(build, load())
    if raw is not None:
        return _decoded(build, raw)
    # One load per key at a time in this process: when a hot row is invalidated (every quota flush), the
    # requests in flight would otherwise all read the database at once, each taking a connection.
    lock = _load_lock(key)
    contended = not lock.acquire(blocking=False)
    if contended:  # another request is loading this row: wait, then take its result
        lock.acquire()
    try:
        if contended:
            try:
                raw = store.get(key)
            except Exception:  # reported by the first read; load below
                raw = None
            if raw is not None:
                return _decoded(build, raw)
        value = load()
        if value is None:  # unknown keys are not remembered (as the original): no cache flooding with junk keys
            return None
        try:
            store.set(key, orjson.dumps(value).decode(), _ttl())
        except Exception as exc:
            _redis_failed("write", key, exc)
        return _built(build, value)
    finally:
        lock.release()


_load_locks: dict[str, threading.Lock] = {}


def _load_lock(key: str) -> threading.Lock:
    if len(_load_locks) > 10_000:  # bounded; a lock dropped while held only allows a second loader
        _load_locks.clear()
    return _load_locks.setdefault(key, threading.Lock())


def _load_token(key: str) -> dict | None:
    from oneapi.models import Token
    row = Token.get_or_none(Token.key == key)
    if row is None or row.key != key:  # MySQL compares case-insensitively
        return None
    return dict(id=row.id, user_id=row.user_id or 0, key=row.key, status=row.status, name=row.name or "",
                expired_time=row.expired_time if row.expired_time is not None else -1,
                remain_quota=row.remain_quota or 0, unlimited_quota=bool(row.unlimited_quota),
                used_quota=row.used_quota or 0, models=row.models or "", subnet=row.subnet or "")


def _load_user(user_id: int) -> dict | None:
    from oneapi.models import User
    row = User.get_or_none(User.id == user_id)
    if row is None:
        return None
    return dict(id=row.id, username=row.username or "", role=row.role, status=row.status,
                group=row.group or "default", quota=row.quota or 0)


def get_token(key: str) -> TokenInfo | None:
    """The token whose bare key is ``key``, or None."""
    return _cached(f"token:{key}", lambda: _load_token(key), TokenInfo)


def get_user(user_id: int) -> UserInfo | None:
    return _cached(f"user_obj:{user_id}", lambda: _load_user(user_id), UserInfo)


def _delete(*keys: str) -> None:
    for store in filter(None, (_memory, _store())):
        for key in keys:
            try:
                store.delete(key)
            except Exception as exc:
                _redis_failed("delete", key, exc)
                break


def invalidate_token(key: str) -> None:
    """A token row changed or was deleted (``key`` is the bare 48-char key)."""
    _delete(f"token:{key}")


def invalidate_user(user_id: int) -> None:
    """A user's status, role, group or quota changed."""
    _delete(f"user_obj:{user_id}", f"user_group:{user_id}", f"user_quota:{user_id}", f"user_enabled:{user_id}")


_CHANNELS_GENERATION = "oneapi:channels_generation"
_local_generation = 0


def invalidate_channels() -> None:
    """Channels or abilities changed: rebuild the routing table (in every process when Redis is on)."""
    global _local_generation
    _local_generation += 1
    client = redis_client()
    if client is not None:
        try:
            client.incr(_CHANNELS_GENERATION)
        except Exception:
            log.warning("could not publish the channel change through Redis", exc_info=True)


def channels_generation() -> tuple[int, int]:
    """Changes whenever ``invalidate_channels`` ran in this process (or, with Redis, in any process)."""
    if config.settings.redis_enabled and _redis_down():
        return _local_generation, -1
    client = redis_client()
    shared = 0
    if client is not None:
        try:
            shared = int(client.get(_CHANNELS_GENERATION) or 0)
        except Exception as exc:
            _redis_failed("read", _CHANNELS_GENERATION, exc)
            shared = -1
    return _local_generation, shared


def reset() -> None:
    """Forget everything cached in this process (tests)."""
    global _redis_down_until
    _memory.clear()
    _redis_down_until = 0.0


def token_as_dict(token: TokenInfo) -> dict:
    return asdict(token)
