"""Per-IP rate limits on /api, pages and sign-in routes; the shared Redis window; the allow() API."""
from __future__ import annotations

import time

import pytest

from oneapi.ops import ratelimit


def _hit(client, path, ip, method="GET", n=1, **kw):
    headers = {"X-Real-IP": ip}
    return [client.open(path, method=method, headers=headers, **kw) for _ in range(n)]


def test_api_limit_answers_429_with_retry_after(ops_app, unique_ip):
    client = ops_app(GLOBAL_API_RATE_LIMIT="3").test_client()
    statuses = [r.status_code for r in _hit(client, "/api/status", unique_ip, n=3)]
    assert statuses == [200, 200, 200]
    refused = _hit(client, "/api/status", unique_ip)[0]
    assert refused.status_code == 429
    assert 170 <= int(refused.headers["Retry-After"]) <= 180  # the 180 s API window
    # Another client is not affected.
    assert _hit(client, "/api/status", unique_ip + "1")[0].status_code == 200


def test_web_pages_have_their_own_limit(ops_app, unique_ip):
    client = ops_app(GLOBAL_WEB_RATE_LIMIT="2", GLOBAL_API_RATE_LIMIT="100").test_client()
    assert [r.status_code == 429 for r in _hit(client, "/", unique_ip, n=3)] == [False, False, True]
    assert _hit(client, "/api/status", unique_ip)[0].status_code == 200


def test_critical_routes_are_limited_per_20_minutes(ops_app, unique_ip):
    client = ops_app(CRITICAL_RATE_LIMIT="2", GLOBAL_API_RATE_LIMIT="100").test_client()
    for _ in range(2):
        assert _hit(client, "/api/user/login", unique_ip, method="POST", json={})[0].status_code != 429
    refused = _hit(client, "/api/user/login", unique_ip, method="POST", json={})[0]
    assert refused.status_code == 429
    assert 1190 <= int(refused.headers["Retry-After"]) <= 1200
    # Every critical route shares the window; ordinary /api routes do not.
    assert _hit(client, "/api/oauth/github", unique_ip)[0].status_code == 429
    assert _hit(client, "/api/reset_password", unique_ip)[0].status_code == 429
    assert _hit(client, "/api/status", unique_ip)[0].status_code == 200


def test_web_sign_in_post_is_critical_but_get_is_not(ops_app, unique_ip):
    client = ops_app(CRITICAL_RATE_LIMIT="1", GLOBAL_WEB_RATE_LIMIT="100").test_client()
    assert _hit(client, "/login", unique_ip, method="POST")[0].status_code != 429
    assert _hit(client, "/login", unique_ip, method="POST")[0].status_code == 429
    assert _hit(client, "/login", unique_ip)[0].status_code != 429


def test_relay_routes_are_not_limited_per_ip(ops_app, unique_ip):
    client = ops_app(GLOBAL_API_RATE_LIMIT="1", GLOBAL_WEB_RATE_LIMIT="1").test_client()
    assert all(r.status_code != 429 for r in _hit(client, "/v1/models", unique_ip, n=3))


@pytest.mark.parametrize("switch", [{"DEBUG": "true"}, {"RATE_LIMIT_DISABLED": "true"}])
def test_debug_or_disabled_turns_limits_off(ops_app, unique_ip, switch):
    client = ops_app(GLOBAL_API_RATE_LIMIT="1", **switch).test_client()
    assert [r.status_code for r in _hit(client, "/api/status", unique_ip, n=3)] == [200, 200, 200]
    assert ratelimit.allow("GA", unique_ip, 1, 60) is None
    assert ratelimit.allow("GA", unique_ip, 1, 60) is None


def test_forwarding_headers_only_count_from_a_local_proxy(ops_app):
    client = ops_app(GLOBAL_API_RATE_LIMIT="1").test_client()
    public = {"REMOTE_ADDR": "203.0.113.7"}
    first = client.get("/api/status", headers={"X-Forwarded-For": "198.51.100.1"}, environ_base=public)
    spoofed = client.get("/api/status", headers={"X-Forwarded-For": "198.51.100.2"}, environ_base=public)
    assert (first.status_code, spoofed.status_code) == (200, 429)
    # Behind a local proxy the last X-Forwarded-For entry (the one the proxy added) is the client.
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    a = client.get("/api/status", headers={"X-Forwarded-For": "9.9.9.9, 198.51.100.3"}, environ_base=via_proxy)
    b = client.get("/api/status", headers={"X-Forwarded-For": "8.8.8.8, 198.51.100.3"}, environ_base=via_proxy)
    assert (a.status_code, b.status_code) == (200, 429)


def test_allow_is_a_sliding_window_in_memory(ops_app, unique_ip):
    ops_app()
    assert ratelimit.allow("GR", unique_ip, 2, 1) is None
    assert ratelimit.allow("GR", unique_ip, 2, 1) is None
    wait = ratelimit.allow("GR", unique_ip, 2, 1)
    assert wait is not None and 0 < wait <= 1
    time.sleep(wait + 0.05)  # both earlier requests have left the window
    assert ratelimit.allow("GR", unique_ip, 2, 1) is None
    assert ratelimit.allow("GR", unique_ip, 2, 1) is None
    assert ratelimit.allow("GR", unique_ip, 2, 1) is not None
    assert ratelimit.allow("GR", unique_ip, 0, 1) is None  # no limit configured


def test_redis_window_is_shared_and_keyed_like_the_fork(ops_app, redis_url, unique_ip):
    import redis
    client = ops_app(REDIS_CONN_STRING=redis_url, SYNC_FREQUENCY="60", GLOBAL_API_RATE_LIMIT="2").test_client()
    r = redis.Redis.from_url(redis_url)
    key = f"rateLimit:GA:{unique_ip}"
    try:
        assert [x.status_code for x in _hit(client, "/api/status", unique_ip, n=2)] == [200, 200]
        assert r.llen(key) == 2
        assert 0 < r.ttl(key) <= 1200
        # The window lives in Redis, not in this process: forgetting local state changes nothing.
        ratelimit.limiter.memory.clear()
        refused = _hit(client, "/api/status", unique_ip)[0]
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 170
        assert ratelimit.allow("GA", unique_ip, 2, 180) is not None
    finally:
        r.delete(key)


def test_redis_sliding_window_expires(ops_app, redis_url, unique_ip):
    import redis
    ops_app(REDIS_CONN_STRING=redis_url, SYNC_FREQUENCY="60")
    try:
        assert ratelimit.allow("CR", unique_ip, 1, 1) is None
        wait = ratelimit.allow("CR", unique_ip, 1, 1)
        assert wait is not None and 0 < wait <= 1
        time.sleep(wait + 0.05)
        assert ratelimit.allow("CR", unique_ip, 1, 1) is None
    finally:
        redis.Redis.from_url(redis_url).delete(f"rateLimit:CR:{unique_ip}")


def test_redis_down_fails_open_to_memory(ops_app, unique_ip):
    from tests.support.server import free_port
    client = ops_app(REDIS_CONN_STRING=f"redis://127.0.0.1:{free_port()}/0", SYNC_FREQUENCY="60",
                     GLOBAL_API_RATE_LIMIT="2").test_client()
    started = time.monotonic()
    statuses = [r.status_code for r in _hit(client, "/api/status", unique_ip, n=3)]
    assert time.monotonic() - started < 3  # no long stall per request
    assert statuses == [200, 200, 429]  # still limited, per process


def test_token_key_hash_hides_the_key():
    key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL"
    hashed = ratelimit.hashed_token_key(key)
    assert len(hashed) == 16 and key not in hashed
    assert hashed == ratelimit.hashed_token_key(key)


def test_relay_and_channel_helpers_use_the_fork_keys(ops_app, redis_url):
    import redis
    key = "sk-test-" + "k" * 40
    ops_app(REDIS_CONN_STRING=redis_url, SYNC_FREQUENCY="60", GLOBAL_RELAY_RATE_LIMIT="1",
            GLOBAL_CHANNEL_RATE_LIMIT="true")
    hashed = ratelimit.hashed_token_key(key)
    r = redis.Redis.from_url(redis_url)
    try:
        assert ratelimit.relay_wait(key) is None
        assert 170 <= ratelimit.relay_wait(key) <= 180
        assert r.llen(f"rateLimit:GR:{hashed}") == 1
        assert ratelimit.channel_wait(key, 5, 2) is None
        assert ratelimit.channel_wait(key, 5, 2) is None
        assert ratelimit.channel_wait(key, 5, 2) is not None
        assert ratelimit.channel_wait(key, 6, 2) is None  # another channel, another window
        assert ratelimit.channel_wait(key, 5, 0) is None  # channel without a limit
        assert r.llen(f"rateLimit:CR:{hashed}:5") == 2
    finally:
        r.delete(f"rateLimit:GR:{hashed}", f"rateLimit:CR:{hashed}:5", f"rateLimit:CR:{hashed}:6")
