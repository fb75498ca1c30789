"""Login, sessions, access tokens, sign-up and the self-service routes, on every SQL dialect."""
from __future__ import annotations

import re

from tests.integration.api.conftest import ACCESS_TOKENS, PASSWORDS, call, failure, ok_data
from tests.support import dbs
from tests.support.app import make_app


def test_fixture_users_log_in_and_session_identifies_them(original_client):
    c = original_client
    for name, password in PASSWORDS.items():
        data = ok_data(c, "POST", "/api/user/login", json={"username": name, "password": password})
        assert data["username"] == name and data["status"] == 1
        assert data["password"] == "" and data["access_token"] == "" and data["quota"] == 0
        assert ok_data(c, "GET", "/api/user/self")["username"] == name
        ok_data(c, "GET", "/api/user/logout")
        status, body = call(c, "GET", "/api/user/self")
        assert status == 401 and body["success"] is False


def test_login_failures(sqlite_client):
    c = sqlite_client
    assert failure(c, "POST", "/api/user/login", json={"username": "alice", "password": "wrong-password"}) \
        == "用户名或密码错误，或用户已被封禁"
    assert failure(c, "POST", "/api/user/login", json={"username": "nobody", "password": "whatever1"})
    assert failure(c, "POST", "/api/user/login", data="{not json", content_type="application/json")
    assert failure(c, "POST", "/api/user/login", json={"username": ["alice"], "password": 1})
    # login by e-mail works, a disabled user cannot log in
    assert ok_data(c, "POST", "/api/user/login",
                   json={"username": "alice@example.com", "password": "AlicePass123"})["id"] == 3
    ok_data(c, "GET", "/api/user/logout")  # a session wins over an access token, as in the original
    ok_data(c, "POST", "/api/user/manage", "admin", json={"username": "bob", "action": "disable"})
    assert failure(c, "POST", "/api/user/login", json={"username": "bob", "password": "BobPass12345"})
    # and a disabled user's access token stops working
    assert failure(c, "GET", "/api/user/self", "bob") == "用户已被封禁"


def test_session_cookie_is_permanent_with_configured_lifetime(sqlite_original):
    client = make_app(sqlite_original, COOKIE_MAXAGE_HOURS="2").test_client()
    resp = client.post("/api/user/login", json={"username": "admin", "password": "AdminPass123"})
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert expires, cookie
    from email.utils import parsedate_to_datetime
    import time
    remaining = parsedate_to_datetime(expires.group(1)).timestamp() - time.time()
    assert 7000 < remaining <= 7200


def test_access_tokens_and_roles(original_client):
    c = original_client
    status, body = call(c, "GET", "/api/user/self")
    assert status == 401 and body["message"] == "无权进行此操作，未登录且未提供 access token"
    assert ok_data(c, "GET", "/api/user/self", "alice")["id"] == 3
    assert ok_data(c, "GET", "/api/user/self", headers={"Authorization": "Bearer " + ACCESS_TOKENS["bob"]})["id"] == 4
    assert failure(c, "GET", "/api/user/self", "0" * 32)
    assert failure(c, "GET", "/api/user/", "alice") == "无权进行此操作，权限不足"
    assert failure(c, "GET", "/api/option/", "admin") == "无权进行此操作，权限不足"
    assert isinstance(ok_data(c, "GET", "/api/option/", "root"), list)
    default = ok_data(c, "GET", "/api/user/available_models", "alice")
    vip = ok_data(c, "GET", "/api/user/available_models", "bob")
    assert default == sorted(["gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo", "text-embedding-3-small",
                              "claude-3-5-sonnet-20241022", "claude-3-5-haiku-20241022", "claude-3-haiku-20240307"])
    assert set(vip) == set(default) | {"llama-3.1-70b", "qwen2.5-72b-instruct"}
    # GET /api/user/token rotates: the old token stops working at once
    new = ok_data(c, "GET", "/api/user/token", "alice")
    assert re.fullmatch(r"[0-9a-f]{32}", new) and new != ACCESS_TOKENS["alice"]
    assert failure(c, "GET", "/api/user/self", "alice")  # the old token is gone
    assert ok_data(c, "GET", "/api/user/self", new)["username"] == "alice"
    newer = ok_data(c, "GET", "/api/user/token", new)
    assert newer != new and ok_data(c, "GET", "/api/user/self", newer)["id"] == 3


def test_register_creates_user_with_bonus_token_and_log(original_client, original_db):
    c = original_client
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "QuotaForInviter", "value": "1000"})
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "QuotaForInvitee", "value": "300"})
    ok_data(c, "POST", "/api/user/register",
            json={"username": "carol", "password": "CarolPass123", "aff_code": "IjGN"})
    user = ok_data(c, "POST", "/api/user/login", json={"username": "carol", "password": "CarolPass123"})
    me = ok_data(c, "GET", "/api/user/self")
    assert me["id"] == user["id"] == 5 and me["role"] == 1 and me["display_name"] == "carol"
    assert me["quota"] == 500000 + 300 and me["inviter_id"] == 3 and me["group"] == "default"
    assert len(ok_data(c, "GET", "/api/user/aff")) == 4
    tokens = ok_data(c, "GET", "/api/token/")
    assert [(t["name"], t["unlimited_quota"], t["remain_quota"], t["expired_time"]) for t in tokens] == \
        [("default", True, -1, -1)]
    ok_data(c, "GET", "/api/user/logout")
    assert ok_data(c, "GET", "/api/user/3", "admin")["quota"] == 9994283 + 1000  # the inviter's bonus
    contents = [r[0] for r in dbs.raw_query(original_db, "SELECT content FROM logs WHERE user_id = 5 ORDER BY id")]
    assert contents == ["新用户注册赠送 ＄1.000000 额度", "使用邀请码赠送 ＄0.000600 额度"]
    access = dbs.raw_query(original_db, "SELECT access_token FROM users WHERE id = 5")[0][0]
    assert re.fullmatch(r"[0-9a-f]{32}", access.strip())


def test_register_rules(sqlite_client):
    c = sqlite_client
    assert failure(c, "POST", "/api/user/register", json={"username": "alice", "password": "Another123"}) \
        == "用户名已存在"
    assert failure(c, "POST", "/api/user/register", json={"username": "dave", "password": "short"})
    assert failure(c, "POST", "/api/user/register", json={"username": "x" * 31, "password": "LongEnough1"})
    assert failure(c, "POST", "/api/user/register", json={"password": "LongEnough1"})
    assert failure(c, "POST", "/api/user/register", data="[]", content_type="application/json")
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "RegisterEnabled", "value": "false"})
    assert failure(c, "POST", "/api/user/register", json={"username": "dave", "password": "DavePass123"}) \
        == "管理员关闭了新用户注册"
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "RegisterEnabled", "value": "true"})
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "PasswordRegisterEnabled", "value": "false"})
    assert "密码进行注册" in failure(c, "POST", "/api/user/register",
                                     json={"username": "dave", "password": "DavePass123"})
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "PasswordLoginEnabled", "value": "false"})
    assert failure(c, "POST", "/api/user/login", json={"username": "alice", "password": "AlicePass123"}) \
        == "管理员关闭了密码登录"


def test_self_update_and_delete(original_client, original_db):
    c = original_client
    ok_data(c, "PUT", "/api/user/self", "alice", json={"display_name": "Alice L.", "password": "NewAlice123"})
    me = ok_data(c, "GET", "/api/user/self", "alice")
    assert me["display_name"] == "Alice L." and me["username"] == "alice"
    ok_data(c, "POST", "/api/user/login", json={"username": "alice", "password": "NewAlice123"})
    ok_data(c, "GET", "/api/user/logout")
    assert failure(c, "PUT", "/api/user/self", "alice", json={"username": "bob"}) == "用户名已存在"
    assert failure(c, "PUT", "/api/user/self", "alice", json={"password": "x"})
    assert failure(c, "DELETE", "/api/user/self", "root") == "不能删除超级管理员账户"
    ok_data(c, "DELETE", "/api/user/self", "bob")
    row = dbs.raw_query(original_db, "SELECT username, status FROM users WHERE id = 4")[0]
    assert re.fullmatch(r"deleted_[0-9a-f]{32}", row[0]) and row[1] == 3
    assert failure(c, "GET", "/api/user/self", "bob") == "用户已被封禁"
