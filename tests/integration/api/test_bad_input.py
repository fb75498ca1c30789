"""Malformed bodies, wrong types, huge numbers and unknown ids: always a clear failure, never a 500 or a
partial write, and never an echo of a password or key."""
from __future__ import annotations

import pytest

from tests.integration.api.conftest import call
from tests.support import dbs

# (method, path, caller); PUT /api/user/self is left out: it accepts any object (unknown fields are ignored)
WRITE_ROUTES = [
    ("POST", "/api/user/login", None), ("POST", "/api/user/register", None),
    ("POST", "/api/user/topup", "alice"),
    ("POST", "/api/user/", "admin"), ("PUT", "/api/user/", "admin"), ("POST", "/api/user/manage", "admin"),
    ("POST", "/api/topup", "admin"),
    ("POST", "/api/token/", "alice"), ("PUT", "/api/token/", "alice"), ("PUT", "/api/token/?status_only=1", "alice"),
    ("POST", "/api/channel/", "admin"), ("PUT", "/api/channel/", "admin"),
    ("POST", "/api/redemption/", "admin"), ("PUT", "/api/redemption/", "admin"),
    ("PUT", "/api/redemption/?status_only=1", "admin"), ("PUT", "/api/option/", "root"),
]
HUGE = 10 ** 40
BAD_BODIES = [
    "{", "null", "[]", '"x"', "12",
    '{"id": "x", "name": 5, "quota": "q", "count": "n", "key": 7, "status": "on", "type": "t"}',
    f'{{"id": {HUGE}, "user_id": {HUGE}, "quota": {HUGE}, "remain_quota": {HUGE}, "count": {HUGE}, '
    f'"priority": {HUGE}, "weight": -1, "type": {HUGE}, "expired_time": {HUGE}, "name": "n", "key": "k"}}',
    '{"id": 1.5, "quota": 1e308, "remain_quota": NaN, "name": "n"}',
]
# valid shape, but every id or name refers to nothing (only for routes that act on an existing row)
UNKNOWN_TARGET = ('{"id": 99999, "name": "ghost", "key": "0123456789abcdef0123456789abcdef", "username": "ghost", '
                  '"action": "disable", "user_id": 99999, "quota": 1, "status": 1}')


def _table_counts(tdb):
    return {t: dbs.raw_query(tdb, f"SELECT COUNT(*) FROM {t}")[0][0]
            for t in ("users", "tokens", "channels", "abilities", "redemptions", "options", "logs")}


def test_bad_bodies_never_crash_or_write(original_client, original_db):
    before = _table_counts(original_db)
    for method, path, who in WRITE_ROUTES:
        acts_on_existing = method == "PUT" or path.endswith(("/manage", "/topup"))
        for body in BAD_BODIES + ([UNKNOWN_TARGET] if acts_on_existing else []):
            status, resp = call(original_client, method, path, who, data=body, content_type="application/json")
            assert status in (200, 400), (method, path, body, status, resp)
            assert resp is not None, (method, path, body)
            assert resp["success"] is False and resp["message"], (method, path, body, resp)
    assert _table_counts(original_db) == before


@pytest.mark.parametrize("path", ["/api/user/x", "/api/user/99999999999999999999999", "/api/token/-1",
                                  "/api/channel/1e3", "/api/redemption/%00", "/api/user/0"])
def test_unknown_ids(sqlite_client, path):
    for method in ("GET", "DELETE"):
        who = "alice" if path.startswith("/api/token") else "root"
        status, resp = call(sqlite_client, method, path, who)
        assert status == 200 and resp["success"] is False, (method, path, resp)


def test_secrets_are_not_echoed(sqlite_client):
    c = sqlite_client
    secret = "Sup3rSecretPassw0rd-that-is-too-long"
    _, resp = call(c, "POST", "/api/user/register", json={"username": "zed", "password": secret})
    assert secret not in resp["message"]
    _, resp = call(c, "PUT", "/api/channel/", "admin", json={"id": 1, "key": "sk-live-XYZ", "config": "nope"})
    assert resp["success"] is False and "sk-live-XYZ" not in resp["message"]
    _, resp = call(c, "POST", "/api/user/topup", "alice", json={"key": "fffffffffffffffffffffffffffff123"})
    assert "fffff" not in resp["message"]


def test_oversized_body_is_refused(sqlite_original):
    from tests.support.app import make_app
    client = make_app(sqlite_original, MAX_REQUEST_BODY_MB="1").test_client()
    status, resp = call(client, "POST", "/api/token/", "alice", data='{"name": "' + "x" * (2 * 1024 * 1024) + '"}',
                        content_type="application/json")
    assert status == 413 and resp["success"] is False
