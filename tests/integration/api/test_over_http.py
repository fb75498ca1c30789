"""The management API served by the real gunicorn + gevent server: log in with a cookie, list channels."""
from __future__ import annotations

import requests

from tests.support.app import gateway_env
from tests.support.server import GatewayServer


def test_login_and_list_channels_over_http(sqlite_original, tmp_path):
    env = gateway_env(sqlite_original, SHUTDOWN_TIMEOUT="1")
    with GatewayServer(env, log_path=str(tmp_path / "gateway.log")) as server:
        session = requests.Session()
        resp = session.post(server.url + "/api/user/login", json={"username": "admin", "password": "AdminPass123"},
                            timeout=10)
        assert resp.status_code == 200 and resp.json()["data"]["role"] == 10
        assert "session" in session.cookies
        assert resp.headers["X-Oneapi-Request-Id"]
        body = session.get(server.url + "/api/channel/?p=0", timeout=10).json()
        assert body["success"] is True and body["total"] == 6
        assert [c["id"] for c in body["data"]] == [6, 5, 4, 3, 2, 1] and all(c["key"] == "" for c in body["data"])
        anonymous = requests.get(server.url + "/api/channel/", timeout=10)
        assert anonymous.status_code == 401
        session.close()
