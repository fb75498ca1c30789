"""Options (root only): listing without secrets, validated updates that take effect at once; groups."""
from __future__ import annotations

from tests.integration.api.conftest import call, failure, ok_data
from tests.support import dbs


def test_list_hides_secrets_and_shows_stored_values(sqlite_client):
    c = sqlite_client
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "SMTPToken", "value": "hunter2"})
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "GitHubClientSecret", "value": "s3cret"})
    listed = {o["key"]: o["value"] for o in ok_data(c, "GET", "/api/option/", "root")}
    assert not any(k.endswith(("Token", "Secret")) for k in listed)
    assert "hunter2" not in str(listed) and "s3cret" not in str(listed)
    assert listed["QuotaForNewUser"] == "500000" and listed["RetryTimes"] == "2"
    assert listed["GroupRatio"].startswith("{\n")  # stored text is returned verbatim
    assert listed["RegisterEnabled"] == "true"  # a default that has no row


def test_updates_are_validated_stored_and_effective(original_client, original_db):
    c = original_client
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "GroupRatio", "value": '{"default": 1, "gold": 2}'})
    assert ok_data(c, "GET", "/api/group/", "admin") == ["default", "gold"]
    q = dbs.quote(original_db.dialect, "key")
    assert dbs.raw_query(original_db, f"SELECT value FROM options WHERE {q} = 'GroupRatio'")[0][0] == \
        '{"default": 1, "gold": 2}'
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "Notice", "value": "maintenance at 2am"})
    assert ok_data(c, "GET", "/api/notice") == "maintenance at 2am"
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "DisplayInCurrencyEnabled", "value": False})
    assert ok_data(c, "GET", "/api/status")["display_in_currency"] is False
    count = dbs.raw_query(original_db, "SELECT COUNT(*) FROM options")[0][0]

    assert "JSON" in failure(c, "PUT", "/api/option/", "root", json={"key": "ModelRatio", "value": "{broken"})
    assert failure(c, "PUT", "/api/option/", "root", json={"key": "ModelRatio", "value": '{"gpt-4o": "cheap"}'})
    assert failure(c, "PUT", "/api/option/", "root", json={"key": "CompletionRatio", "value": "[1, 2]"})
    assert failure(c, "PUT", "/api/option/", "root", json={"key": "Theme", "value": "neon"}) == "无效的主题"
    assert failure(c, "PUT", "/api/option/", "root", json={"key": "GitHubOAuthEnabled", "value": "true"}) \
        .startswith("无法启用 GitHub OAuth")
    assert failure(c, "PUT", "/api/option/", "root", json={"key": "TurnstileCheckEnabled", "value": "true"})
    assert failure(c, "PUT", "/api/option/", "root", json={"key": "QuotaForNewUser", "value": "lots"})
    assert failure(c, "PUT", "/api/option/", "root", json={"key": "QuotaPerUnit", "value": "0"})
    assert failure(c, "PUT", "/api/option/", "root", json={"key": "RegisterEnabled", "value": "yes"})
    assert failure(c, "PUT", "/api/option/", "admin", json={"key": "Notice", "value": "x"}) == "无权进行此操作，权限不足"
    assert dbs.raw_query(original_db, "SELECT COUNT(*) FROM options")[0][0] == count
    assert ok_data(c, "GET", "/api/group/", "admin") == ["default", "gold"]

    ok_data(c, "PUT", "/api/option/", "root", json={"key": "GitHubClientId", "value": "abc"})
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "GitHubOAuthEnabled", "value": "true"})
    assert ok_data(c, "GET", "/api/status")["github_oauth"] is True


def test_undecodable_body_is_a_400(sqlite_client):
    c = sqlite_client
    for body in ("{not json", "[]", '{"value": "x"}', '"text"'):
        status, resp = call(c, "PUT", "/api/option/", "root", data=body, content_type="application/json")
        assert status == 400 and resp["success"] is False, body
    assert failure(c, "PUT", "/api/option/", "root", json={"key": "Notice", "value": {"nested": 1}})
    status, _ = call(c, "PUT", "/api/option/", None, json={"key": "Notice", "value": "x"})
    assert status == 401


def test_groups_default(client):
    ok_data(client, "POST", "/api/user/login", json={"username": "root", "password": "123456"})
    assert ok_data(client, "GET", "/api/group/") == ["default", "vip", "svip"]
