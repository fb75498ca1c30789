"""Pure rules: fatal upstream errors, subnets, suspensions."""
from __future__ import annotations

import time

from oneapi.relay.auth import ip_in_subnets
from oneapi.services import channel_health


def test_fatal_errors_follow_the_original():
    assert channel_health.is_fatal(401, None, None, "anything")
    assert channel_health.is_fatal(429, "insufficient_quota", None, "quota")
    assert channel_health.is_fatal(400, None, "invalid_api_key", "")
    assert channel_health.is_fatal(403, "x", None, "Your credit balance is too low")
    assert channel_health.is_fatal(400, None, None, "API key not valid. Please pass a valid API key.")
    assert channel_health.is_fatal(402, None, None, "账户已欠费")
    assert not channel_health.is_fatal(500, "server_error", None, "The server had an error")
    assert not channel_health.is_fatal(429, "requests", "rate_limit_exceeded", "Rate limit reached")


def test_subnets():
    assert ip_in_subnets("127.0.0.1", "127.0.0.0/8,::1/128")
    assert ip_in_subnets("::1", "127.0.0.0/8, ::1/128")
    assert not ip_in_subnets("10.0.0.1", "127.0.0.0/8")
    assert not ip_in_subnets("not-an-ip", "127.0.0.0/8")
    assert ip_in_subnets("10.1.2.3", "bogus,10.0.0.0/8")


def test_suspension_expires():
    channel_health.clear_suspensions()
    channel_health.suspend("default", "m", 7, 0.2)
    assert channel_health.is_suspended("default", "m", 7)
    assert not channel_health.is_suspended("default", "m", 8)
    assert not channel_health.is_suspended("vip", "m", 7)
    time.sleep(0.25)
    assert not channel_health.is_suspended("default", "m", 7)


def test_success_rate_monitor_disables_a_failing_channel(monkeypatch):
    from types import SimpleNamespace

    from oneapi import config
    monkeypatch.setattr(config, "settings", config.load({"ENABLE_METRIC": "true", "METRIC_QUEUE_SIZE": "4",
                                                          "METRIC_SUCCESS_RATE_THRESHOLD": "0.8"}))
    disabled = []
    monkeypatch.setattr(channel_health, "disable_channel", lambda cid, name, why: disabled.append((cid, why)))
    good, bad = SimpleNamespace(id=1, name="good"), SimpleNamespace(id=2, name="bad")
    for ok in (True, True, True, True):
        channel_health.on_upstream_success(good) if ok else None
    for ok in (True, False, True, True):  # 75% < 80%
        channel_health.on_upstream_success(bad) if ok else channel_health._record(bad, False)
    assert [cid for cid, _ in disabled] == [2]
    assert "75.00%" in disabled[0][1]


def test_upstream_session_uses_relay_proxy_only(monkeypatch):
    from oneapi import config
    from oneapi.relay import upstream
    monkeypatch.setattr(config, "settings", config.load({"RELAY_PROXY": "http://127.0.0.1:3128",
                                                          "RELAY_TIMEOUT": "7", "HTTPS_PROXY": "http://x:1"}))
    upstream.reset()
    try:
        s = upstream.session()
        assert s.trust_env is False and s.proxies == {"http": "http://127.0.0.1:3128", "https": "http://127.0.0.1:3128"}
        assert s.get_adapter("https://api.openai.com")._pool_maxsize >= 256
        assert upstream.timeout() == (7, 7.0)
    finally:
        upstream.reset()


def test_unknown_tokens_are_not_cached(monkeypatch):
    from oneapi import config
    from oneapi.services import cache
    monkeypatch.setattr(config, "settings", config.load({"MEMORY_CACHE_ENABLED": "true"}))
    calls = []
    assert cache._cached("token:nope", lambda: calls.append(1), dict) is None
    assert cache._cached("token:nope", lambda: calls.append(1), dict) is None
    assert len(calls) == 2
    assert cache._cached("token:yes", lambda: calls.append(1) or {"a": 1}, dict) == {"a": 1}
    assert cache._cached("token:yes", lambda: calls.append(1) or {"a": 2}, dict) == {"a": 1}  # served from memory
    cache.reset()
