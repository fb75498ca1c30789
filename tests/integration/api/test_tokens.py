"""API keys: a user sees and changes only their own; keys shown with sk-, stored bare."""
from __future__ import annotations

import re
import time

from tests.integration.api.conftest import call, failure, ok_data
from tests.support import dbs


def test_users_see_only_their_own_tokens(original_client):
    c = original_client
    body = call(c, "GET", "/api/token/", "alice")[1]
    assert body["total"] == 2 and [t["id"] for t in body["data"]] == [6, 3]
    assert body["data"][0]["key"] == "sk-js1Mm3INWmjaPdloB008B75e1bCe66Dd17D84c73178eC870"
    assert [t["id"] for t in ok_data(c, "GET", "/api/token/", "bob")] == [5, 4]
    assert [t["id"] for t in ok_data(c, "GET", "/api/token/?order=remain_quota", "alice")] == [6, 3]
    assert [t["name"] for t in ok_data(c, "GET", "/api/token/search?keyword=alice-a", "alice")] == ["alice-app"]
    assert ok_data(c, "GET", "/api/token/search?keyword=bob", "alice") == []
    assert ok_data(c, "GET", "/api/token/6", "alice")["models"] == \
        "gpt-4o-mini,claude-3-5-haiku-20241022,gemini-1.5-flash"
    # somebody else's token: not found, not changeable, not deletable
    assert failure(c, "GET", "/api/token/4", "alice") == "令牌不存在"
    assert failure(c, "PUT", "/api/token/", "alice", json={"id": 4, "name": "mine", "status": 1})
    assert failure(c, "PUT", "/api/token/?status_only=1", "alice", json={"id": 4, "status": 2})
    assert failure(c, "DELETE", "/api/token/4", "alice")
    assert failure(c, "GET", "/api/token/4", "root")  # even root only sees their own via this API
    assert ok_data(c, "GET", "/api/token/4", "bob")["status"] == 1
    page = call(c, "GET", "/api/token/?p=1&size=1", "bob")[1]
    assert [t["id"] for t in page["data"]] == [4] and page["total"] == 2


def test_create_update_delete(original_client, original_db):
    c = original_client
    token = ok_data(c, "POST", "/api/token/", "alice",
                    json={"name": "ci", "remain_quota": 5000, "expired_time": -1, "unlimited_quota": False,
                          "models": " gpt-4o , gpt-4o-mini,", "subnet": "10.0.0.0/8, 192.168.1.1"})
    assert re.fullmatch(r"sk-[A-Za-z0-9]{48}", token["key"])
    assert (token["name"], token["remain_quota"], token["status"]) == ("ci", 5000, 1)
    assert token["models"] == "gpt-4o,gpt-4o-mini" and token["subnet"] == "10.0.0.0/8,192.168.1.1"
    q = dbs.quote(original_db.dialect, "key")
    stored = dbs.raw_query(original_db, f"SELECT {q}, user_id FROM tokens WHERE id = {token['id']}")[0]
    assert stored[0].strip() == token["key"][3:] and stored[1] == 3

    updated = ok_data(c, "PUT", "/api/token/", "alice",
                      json={"id": token["id"], "name": "ci-2", "remain_quota": 7, "expired_time": 4102444800,
                            "unlimited_quota": True, "models": "", "subnet": ""})
    assert (updated["name"], updated["remain_quota"], updated["unlimited_quota"], updated["models"]) == \
        ("ci-2", 7, True, "")
    assert updated["key"] == token["key"]
    assert ok_data(c, "PUT", "/api/token/?status_only=1", "alice",
                   json={"id": token["id"], "status": 2, "name": "ignored"})["name"] == "ci-2"
    assert ok_data(c, "GET", f"/api/token/{token['id']}", "alice")["status"] == 2

    assert failure(c, "POST", "/api/token/", "alice", json={"name": "x" * 31}) == "令牌名称过长"
    assert failure(c, "POST", "/api/token/", "alice", json={"name": "n", "subnet": "10.0.0.0/33"}).startswith("无效的网段")
    assert failure(c, "POST", "/api/token/", "alice", json={"name": "n", "remain_quota": "many"})
    assert failure(c, "POST", "/api/token/", "alice", json={"name": "n", "remain_quota": 10 ** 30})
    assert failure(c, "POST", "/api/token/", "alice", json={"name": "n", "unlimited_quota": "yes"})
    assert failure(c, "POST", "/api/token/", "alice", json={"name": "n", "models": ["a"]})
    assert failure(c, "PUT", "/api/token/?status_only=1", "alice", json={"id": token["id"], "status": 9})

    ok_data(c, "DELETE", f"/api/token/{token['id']}", "alice")
    assert failure(c, "GET", f"/api/token/{token['id']}", "alice") == "令牌不存在"
    assert dbs.raw_query(original_db, "SELECT COUNT(*) FROM tokens")[0][0] == 6


def test_expired_or_exhausted_tokens_cannot_be_enabled_without_a_fix(sqlite_client):
    c = sqlite_client
    msg = failure(c, "PUT", "/api/token/?status_only=1", "alice", json={"id": 3, "status": 1})
    assert msg.startswith("令牌已过期，无法启用")
    assert failure(c, "PUT", "/api/token/?status_only=1", "bob", json={"id": 5, "status": 1}) \
        .startswith("令牌可用额度已用尽，无法启用")
    # after extending the expiry / adding quota in the same edit, enabling works
    future = int(time.time()) + 3600
    fixed = ok_data(c, "PUT", "/api/token/", "alice",
                    json={"id": 3, "name": "alice-old", "status": 1, "expired_time": future, "remain_quota": 999353})
    assert fixed["status"] == 1 and fixed["expired_time"] == future
    fixed = ok_data(c, "PUT", "/api/token/", "bob",
                    json={"id": 5, "name": "bob-trial", "status": 1, "remain_quota": 0, "unlimited_quota": True})
    assert fixed["status"] == 1 and fixed["unlimited_quota"] is True


def test_routes_for_a_relay_key(sqlite_client):
    c = sqlite_client
    alice_app = {"Authorization": "Bearer sk-js1Mm3INWmjaPdloB008B75e1bCe66Dd17D84c73178eC870"}
    me = ok_data(c, "GET", "/api/user/get-by-token", headers=alice_app)
    assert me["username"] == "alice" and me["access_token"] == "" and me["password"] == ""
    # the key's model allow-list narrows the group's models (gemini-1.5-flash has no enabled channel)
    assert ok_data(c, "GET", "/api/available_models", headers=alice_app) == \
        ["claude-3-5-haiku-20241022", "gpt-4o-mini"]
    bob_default = {"Authorization": "Bearer sk-3XVEIBUvY4Lu3c0VDf0e5862Ae190f44327304FeE256A854"}
    assert "llama-3.1-70b" in ok_data(c, "GET", "/api/available_models", headers=bob_default)
    status, body = call(c, "GET", "/api/user/get-by-token",
                        headers={"Authorization": "Bearer sk-UFksh5V3w8lzAbhS0f88E29d0886C8Ae2891C2951fF7C546"})
    assert status == 401 and body["success"] is False  # expired key
    assert call(c, "GET", "/api/available_models")[0] == 401
