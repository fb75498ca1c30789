"""User administration: list, search, get, create, update, manage, delete, and admin top-up."""
from __future__ import annotations

import re

from tests.integration.api.conftest import call, failure, ok_data
from tests.support import dbs


def test_list_search_and_get(original_client):
    c = original_client
    status, body = call(c, "GET", "/api/user/?p=0", "admin")
    assert status == 200 and body["total"] == 4
    users = body["data"]
    assert [u["id"] for u in users] == [4, 3, 2, 1]
    assert all(u["password"] == "" and u["access_token"] == "" for u in users)
    by_quota = ok_data(c, "GET", "/api/user/?order=quota", "admin")
    assert [u["username"] for u in by_quota] == ["root", "admin", "alice", "bob"]
    page = call(c, "GET", "/api/user/?p=1&size=3", "admin")[1]
    assert [u["id"] for u in page["data"]] == [1] and page["total"] == 4
    assert [u["username"] for u in ok_data(c, "GET", "/api/user/search?keyword=al", "admin")] == ["alice"]
    assert [u["id"] for u in ok_data(c, "GET", "/api/user/search?keyword=4", "admin")] == [4]
    assert [u["id"] for u in ok_data(c, "GET", "/api/user/search?keyword=bob@", "admin")] == [4]
    assert ok_data(c, "GET", "/api/user/search?keyword=%25", "admin") == []  # LIKE wildcards are literal
    bob = ok_data(c, "GET", "/api/user/4", "admin")
    assert (bob["group"], bob["quota"], bob["inviter_id"]) == ("vip", 5373230, 3)
    assert failure(c, "GET", "/api/user/1", "admin") == "无权获取同级或更高等级用户的信息"
    assert failure(c, "GET", "/api/user/2", "admin") == "无权获取同级或更高等级用户的信息"
    assert ok_data(c, "GET", "/api/user/2", "root")["username"] == "admin"
    assert failure(c, "GET", "/api/user/99", "admin") == "用户不存在"
    assert failure(c, "GET", "/api/user/abc", "admin") == "用户不存在"
    assert failure(c, "GET", "/api/user/4", "alice") == "无权进行此操作，权限不足"


def test_admin_creates_and_updates_users(original_client, original_db):
    c = original_client
    ok_data(c, "POST", "/api/user/", "admin", json={"username": "erin", "password": "ErinPass123", "role": 1})
    erin = ok_data(c, "GET", "/api/user/search?keyword=erin", "admin")[0]
    assert erin["role"] == 1 and erin["display_name"] == "erin" and erin["quota"] == 500000
    assert failure(c, "POST", "/api/user/", "admin", json={"username": "x", "password": "Password123", "role": 10}) \
        == "无法创建权限大于等于自己的用户"
    assert failure(c, "POST", "/api/user/", "admin", json={"username": "nopass"})
    # quota change writes a manage log; group and display name change; empty password keeps the old one
    updated = ok_data(c, "PUT", "/api/user/", "admin",
                      json={"id": 3, "username": "alice", "display_name": "Alice A", "password": "",
                            "group": "vip", "quota": 20000000})
    assert (updated["display_name"], updated["group"], updated["quota"]) == ("Alice A", "vip", 20000000)
    log = dbs.raw_query(original_db, "SELECT type, content FROM logs WHERE user_id = 3 ORDER BY id DESC")[0]
    assert log == (3, "管理员将用户额度从 ＄19.988566 额度修改为 ＄40.000000 额度")
    ok_data(c, "POST", "/api/user/login", json={"username": "alice", "password": "AlicePass123"})
    ok_data(c, "GET", "/api/user/logout")
    assert failure(c, "PUT", "/api/user/", "admin", json={"id": 2, "display_name": "me"}) \
        == "无权更新同权限等级或更高权限等级的用户信息"
    assert failure(c, "PUT", "/api/user/", "admin", json={"id": 3, "role": 10}) \
        == "无权将其他用户权限等级提升到大于等于自己的权限等级"
    assert failure(c, "PUT", "/api/user/", "admin", json={"id": 3, "username": "bob"}) == "用户名已存在"
    assert failure(c, "PUT", "/api/user/", "admin", json={"id": 3, "quota": "lots"})
    assert failure(c, "PUT", "/api/user/", "admin", json={"id": 3, "quota": 2 ** 70})
    assert failure(c, "PUT", "/api/user/", "admin", json={"username": "alice"}) == "无效的参数"
    assert ok_data(c, "PUT", "/api/user/", "root", json={"id": 2, "quota": 1})["quota"] == 1


def test_manage_actions(sqlite_client):
    c = sqlite_client

    def manage(who, username, action):
        return call(c, "POST", "/api/user/manage", who, json={"username": username, "action": action})[1]

    assert manage("admin", "alice", "promote")["message"] == "普通管理员用户无法提升其他用户为管理员"
    body = manage("root", "alice", "promote")
    assert body["success"] and body["data"]["role"] == 10 and body["data"]["status"] == 1
    assert manage("root", "alice", "promote")["message"] == "该用户已经是管理员"
    assert ok_data(c, "GET", "/api/user/", "alice")  # alice is an admin now
    assert manage("admin", "alice", "disable")["message"] == "无权更新同权限等级或更高权限等级的用户信息"
    assert manage("root", "alice", "demote")["data"]["role"] == 1
    assert manage("root", "alice", "demote")["message"] == "该用户已经是普通用户"
    assert manage("root", "root", "demote")["message"] == "无法降级超级管理员用户"
    assert manage("root", "root", "disable")["message"] == "无法禁用超级管理员用户"
    assert manage("root", "root", "delete")["message"] == "无法删除超级管理员用户"
    assert manage("admin", "bob", "disable")["data"]["status"] == 2
    assert failure(c, "GET", "/api/token/", "bob") == "用户已被封禁"
    assert manage("admin", "bob", "enable")["data"]["status"] == 1
    assert ok_data(c, "GET", "/api/token/", "bob")
    assert manage("admin", "nobody", "enable")["message"] == "用户不存在"
    assert manage("admin", "bob", "explode")["message"] == "无效的参数"
    assert manage("alice", "bob", "disable")["message"] == "无权进行此操作，权限不足"


def test_delete_is_a_soft_delete(original_client, original_db):
    c = original_client
    assert failure(c, "DELETE", "/api/user/2", "admin") == "无权删除同权限等级或更高权限等级的用户"
    ok_data(c, "DELETE", "/api/user/4", "admin")
    name, status = dbs.raw_query(original_db, "SELECT username, status FROM users WHERE id = 4")[0]
    assert re.fullmatch(r"deleted_[0-9a-f]{32}", name) and status == 3
    assert dbs.raw_query(original_db, "SELECT COUNT(*) FROM tokens WHERE user_id = 4")[0][0] == 2  # rows kept
    body = call(c, "GET", "/api/user/", "admin")[1]
    assert 4 not in [u["id"] for u in body["data"]] and body["total"] == 3
    # the name is free again
    ok_data(c, "POST", "/api/user/", "admin", json={"username": "bob", "password": "BobAgain123"})
    assert call(c, "POST", "/api/user/manage", "admin", json={"username": "alice", "action": "delete"})[1]["success"]
    assert failure(c, "POST", "/api/user/login", json={"username": "alice", "password": "AlicePass123"})


def test_admin_top_up(original_client, original_db):
    c = original_client
    ok_data(c, "POST", "/api/topup", "admin", json={"user_id": 4, "quota": 1000000, "remark": "invoice 42"})
    ok_data(c, "POST", "/api/topup", "admin", json={"user_id": 3, "quota": 500000})
    assert ok_data(c, "GET", "/api/user/4", "admin")["quota"] == 5373230 + 1000000
    rows = dbs.raw_query(original_db, "SELECT user_id, type, content, quota FROM logs WHERE id > 30 ORDER BY id")
    assert rows == [(4, 1, "invoice 42", 1000000), (3, 1, "通过 API 充值 ＄1.000000 额度", 500000)]
    assert failure(c, "POST", "/api/topup", "admin", json={"user_id": 99, "quota": 5}) == "用户不存在"
    assert failure(c, "POST", "/api/topup", "admin", json={"user_id": 4, "quota": -5})
    assert failure(c, "POST", "/api/topup", "admin", json={"user_id": 4, "quota": "5e99"})
    assert failure(c, "POST", "/api/topup", "alice", json={"user_id": 3, "quota": 5}) == "无权进行此操作，权限不足"
    assert ok_data(c, "GET", "/api/user/4", "admin")["quota"] == 5373230 + 1000000
