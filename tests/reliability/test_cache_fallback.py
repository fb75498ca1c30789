"""The hot-path cache when Redis fails: lookups fall back to the database, and for a short while skip Redis
altogether, so an unreachable Redis (a connect timeout per call) neither slows every request nor floods the log.
In-process, with a stand-in Redis client that counts its calls."""
from __future__ import annotations

import logging

import pytest
import redis

from oneapi import config
from oneapi.services import cache

SECRET_KEY = "K" * 48


class FailingRedis:
    def __init__(self) -> None:
        self.calls = 0
        self.data: dict = {}
        self.failing = True

    def _call(self):
        self.calls += 1
        if self.failing:
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    def get(self, key):
        self._call()
        return self.data.get(key)

    def set(self, key, value, ex=None):
        self._call()
        self.data[key] = value

    def delete(self, key):
        self._call()
        self.data.pop(key, None)


@pytest.fixture
def fake_redis(monkeypatch):
    client = FailingRedis()
    monkeypatch.setattr(config, "settings", config.load({"REDIS_CONN_STRING": "redis://127.0.0.1:1/0",
                                                         "SYNC_FREQUENCY": "60"}))
    monkeypatch.setattr(cache, "_redis_store", cache.RedisStore(client))
    monkeypatch.setattr(cache, "_redis_for", "redis://127.0.0.1:1/0")
    cache.reset()
    yield client
    cache.reset()


def test_lookups_read_the_database_and_skip_redis_for_a_while(fake_redis, monkeypatch, caplog):
    loads = []

    def load():
        loads.append(1)
        return {"id": 7}

    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger="oneapi.services.cache"):
        for _ in range(50):
            assert cache._cached(f"token:{SECRET_KEY}", load, dict) == {"id": 7}
        cache.invalidate_token(SECRET_KEY)
    assert len(loads) == 50, "every lookup was answered from the database"
    assert fake_redis.calls == 1, "after the first failure Redis is left alone"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "Redis unavailable" in warnings[0]
    assert SECRET_KEY not in caplog.text, "a token key is a secret and never logged"
    assert cache.channels_generation()[1] == -1 and fake_redis.calls == 1

    # the interval over, Redis is tried again and, being back, used
    fake_redis.failing = False
    clock[0] += cache.REDIS_RETRY_AFTER_S + 0.1
    assert cache._cached(f"token:{SECRET_KEY}", load, dict) == {"id": 7}
    assert cache._cached(f"token:{SECRET_KEY}", load, dict) == {"id": 7}
    assert len(loads) == 51, "the second lookup came from Redis"
    assert fake_redis.calls == 4  # get (miss), set, get (hit)
