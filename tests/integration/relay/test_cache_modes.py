"""Token/user/routing lookups with the memory cache and with Redis: cached, invalidated, shared."""
from __future__ import annotations

import uuid

import pytest

from tests.integration.relay.conftest import sqlite_fixture_gateway
from tests.support import dbs


def _new_token(gw) -> str:
    """A token of its own (unique key), so a shared Redis never sees another test's entries."""
    from oneapi.models import Token
    key = uuid.uuid4().hex + uuid.uuid4().hex[:16]
    with gw.db():
        Token.insert(user_id=4, key=key, status=1, name="cache-test", created_time=1, accessed_time=1,
                     expired_time=-1, remain_quota=-1, unlimited_quota=True, used_quota=0).execute()
    return key


def _disable_token_in_db(gw, key: str) -> None:
    from oneapi.models import Token
    with gw.db():
        Token.update(status=2).where(Token.key == key).execute()


def test_memory_cache_serves_until_invalidated(tmp_path, stub):
    from oneapi.services import cache
    gw = sqlite_fixture_gateway(tmp_path, stub, MEMORY_CACHE_ENABLED="true")
    key = _new_token(gw)
    assert gw.chat(key=key).status_code == 200
    _disable_token_in_db(gw, key)
    assert gw.chat(key=key).status_code == 200  # still cached (for up to SYNC_FREQUENCY seconds)
    cache.invalidate_token(key)
    assert gw.chat(key=key).status_code == 401


def test_without_cache_changes_apply_at_once(tmp_path, stub):
    gw = sqlite_fixture_gateway(tmp_path, stub)
    key = _new_token(gw)
    assert gw.chat(key=key).status_code == 200
    _disable_token_in_db(gw, key)
    assert gw.chat(key=key).status_code == 401


def test_memory_cache_routing_table_rebuilds_on_invalidation(tmp_path, stub):
    from oneapi.models import Ability, Channel
    from oneapi.services import cache
    gw = sqlite_fixture_gateway(tmp_path, stub, MEMORY_CACHE_ENABLED="true")
    assert gw.chat().status_code == 200 and gw.stub.hits("c1")
    with gw.db():
        Channel.update(status=2).where(Channel.id == 1).execute()
        Ability.update(enabled=False).where(Ability.channel_id == 1).execute()
    gw.stub.records.clear()
    cache.invalidate_channels()
    assert gw.chat().status_code == 200
    assert gw.stub.hits("c2") and not gw.stub.hits("c1")  # the lower tier takes over


@pytest.fixture
def redis_url():
    return dbs.require_redis()


def test_redis_shares_tokens_and_suspensions(tmp_path, stub, redis_url):
    from oneapi.services import cache, channel_health
    gw = sqlite_fixture_gateway(tmp_path, stub, REDIS_CONN_STRING=redis_url, SYNC_FREQUENCY="60")
    client = cache.redis_client()
    key = _new_token(gw)
    model = f"m-{uuid.uuid4().hex[:8]}"
    try:
        assert gw.chat(key=key).status_code == 200
        assert client.get(f"token:{key}") is not None  # the original's key name
        _disable_token_in_db(gw, key)
        cache.reset()  # another process: nothing in this process's memory
        assert gw.chat(key=key).status_code == 200  # served from Redis
        cache.invalidate_token(key)
        assert client.get(f"token:{key}") is None
        assert gw.chat(key=key).status_code == 401

        channel_health.suspend("default", model, 1, 5)
        channel_health.clear_suspensions()  # forget locally: Redis still knows
        assert channel_health.is_suspended("default", model, 1)
        assert 0 < client.pttl(f"oneapi:suspend:default:{model}:1") <= 5000
    finally:
        client.delete(f"token:{key}", f"oneapi:suspend:default:{model}:1")


def test_relay_rate_limit_per_token(tmp_path, stub):
    gw = sqlite_fixture_gateway(tmp_path, stub, GLOBAL_RELAY_RATE_LIMIT="3")
    key, other = _new_token(gw), _new_token(gw)
    assert [gw.chat(key=key).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert gw.chat(key=other).status_code == 200  # per token, not global
    limited = gw.chat(key=key)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
