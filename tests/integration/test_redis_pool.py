"""More requests in flight than redis-py's default pool size (100) wait for a connection instead of failing."""
from __future__ import annotations

import threading

import pytest

from oneapi.redis_pool import client_from_url
from tests.support import dbs


def test_more_concurrent_calls_than_the_default_pool_all_succeed():
    dbs.require_redis()
    client = client_from_url(dbs.REDIS_URL, socket_timeout=5)
    errors, done = [], []

    def hold_a_connection():
        try:  # BLPOP on an empty key keeps the connection busy for 1 s
            client.blpop(f"oneapi-test-pool-{threading.get_ident()}", timeout=1)
            done.append(1)
        except Exception as exc:  # noqa: BLE001 - any error fails the test below
            errors.append(type(exc).__name__)

    threads = [threading.Thread(target=hold_a_connection) for _ in range(150)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(done) == 150


def test_the_default_pool_would_have_refused():
    """Guards the test above: redis-py's plain client really fails at this concurrency."""
    dbs.require_redis()
    import redis
    plain = redis.Redis.from_url(dbs.REDIS_URL, socket_timeout=5)
    if plain.connection_pool.max_connections >= 150:
        pytest.skip("this redis-py's default pool is large enough")
    errors = []

    def hold():
        try:
            plain.blpop(f"oneapi-test-plain-{threading.get_ident()}", timeout=1)
        except Exception as exc:  # noqa: BLE001
            errors.append(type(exc).__name__)

    threads = [threading.Thread(target=hold) for _ in range(150)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert "MaxConnectionsError" in errors
