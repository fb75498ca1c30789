"""Channels: keys never shown, abilities rebuilt exactly on every change, GORM-style partial updates."""
from __future__ import annotations

import re

import responses

from tests.integration.api.conftest import call, failure, ok_data
from tests.support import dbs


def _abilities(tdb, channel_id):
    g = dbs.quote(tdb.dialect, "group")
    rows = dbs.raw_query(tdb, f"SELECT {g}, model, enabled, priority FROM abilities WHERE channel_id = {channel_id}")
    return sorted((r[0], r[1], bool(r[2]), r[3]) for r in rows)


def _key(tdb, channel_id):
    return dbs.raw_query(tdb, f"SELECT {dbs.quote(tdb.dialect, 'key')} FROM channels WHERE id = {channel_id}")[0][0]


def test_list_get_and_search_never_show_keys(original_client):
    c = original_client
    body = call(c, "GET", "/api/channel/", "admin")[1]
    assert body["total"] == 6 and [ch["id"] for ch in body["data"]] == [6, 5, 4, 3, 2, 1]
    assert all(ch["key"] == "" for ch in body["data"])
    first = body["data"][-1]
    assert (first["name"], first["type"], first["priority"], first["balance"], first["other"]) == \
        ("OpenAI official", 1, 10, 42.37, None)
    azure = ok_data(c, "GET", "/api/channel/2", "admin")
    assert azure["key"] == "" and azure["other"] == "2024-03-01-preview" and azure["weight"] == 10
    assert azure["model_mapping"] == '{"gpt-4o":"gpt-4o-2024-08-06"}'
    assert [ch["id"] for ch in ok_data(c, "GET", "/api/channel/?p=1&size=4&sort=id&order=asc", "admin")] == [5, 6]
    assert [ch["id"] for ch in ok_data(c, "GET", "/api/channel/search?keyword=Anth", "admin")] == [3]
    assert [ch["id"] for ch in ok_data(c, "GET", "/api/channel/search?keyword=5", "admin")] == [5]
    found = ok_data(c, "GET", "/api/channel/search?keyword=sk-FIXTURE-internal-gateway-key", "admin")
    assert [ch["id"] for ch in found] == [6] and found[0]["key"] == ""
    assert failure(c, "GET", "/api/channel/77", "admin") == "渠道不存在"
    assert failure(c, "GET", "/api/channel/", "alice") == "无权进行此操作，权限不足"
    status, body = call(c, "GET", "/api/channel/models", "admin")
    assert status == 200 and body["object"] == "list"
    ids = [m["id"] for m in body["data"]]
    assert "gpt-4o-mini" in ids and "llama-3.1-70b" in ids and ids == sorted(ids)
    assert body["data"][0]["object"] == "model"
    by_type = ok_data(c, "GET", "/api/models", "alice")
    assert "gpt-4o" in by_type["1"] and "claude-3-5-sonnet-20241022" in by_type["14"]
    assert set(by_type) == {str(i) for i in range(1, 58)}


def test_create_one_channel_per_key_with_abilities(original_client, original_db):
    c = original_client
    ok_data(c, "POST", "/api/channel/", "admin",
            json={"type": 1, "name": "pool", "key": "sk-one\nsk-two\n\n sk-three ",
                  "models": "gpt-4o,gpt-4o-mini,gpt-4o", "group": "default,vip", "priority": 3,
                  "base_url": "", "model_mapping": "", "config": "{}"})
    created = ok_data(c, "GET", "/api/channel/search?keyword=pool", "admin")
    assert sorted(ch["id"] for ch in created) == [7, 8, 9]
    assert [_key(original_db, i).strip() for i in (7, 8, 9)] == ["sk-one", "sk-two", "sk-three"]
    expected = sorted((g, m, True, 3) for g in ("default", "vip") for m in ("gpt-4o", "gpt-4o-mini"))
    assert all(_abilities(original_db, i) == expected for i in (7, 8, 9))
    assert dbs.raw_query(original_db, "SELECT COUNT(*) FROM abilities")[0][0] == 28 + 12
    assert failure(c, "POST", "/api/channel/", "admin", json={"type": 1, "key": "\n \n", "models": "m"})


def test_every_channel_type_is_accepted(original_client, original_db):
    c = original_client
    for type_id in range(0, 58):
        ok_data(c, "POST", "/api/channel/", "admin",
                json={"type": type_id, "name": f"t{type_id}", "key": f"k{type_id}", "models": "m"})
    rows = dbs.raw_query(original_db, "SELECT type FROM channels WHERE id > 6 ORDER BY id")
    assert [r[0] for r in rows] == list(range(58))
    assert failure(c, "POST", "/api/channel/", "admin", json={"type": 58, "key": "k", "models": "m"}) == "无效的渠道类型"
    assert failure(c, "POST", "/api/channel/", "admin", json={"type": -1, "key": "k", "models": "m"})


def test_update_rebuilds_abilities_and_keeps_unset_fields(original_client, original_db):
    c = original_client
    old_key = _key(original_db, 1)
    updated = ok_data(c, "PUT", "/api/channel/", "admin",
                      json={"id": 1, "key": "", "name": "", "models": "gpt-4o,o1,o1", "group": "vip",
                            "priority": 0, "type": 0, "status": 0, "base_url": "https://proxy.example"})
    assert updated["key"] == "" and updated["name"] == "OpenAI official" and updated["type"] == 1
    assert updated["priority"] == 0 and updated["base_url"] == "https://proxy.example"
    assert _key(original_db, 1) == old_key
    assert _abilities(original_db, 1) == [("vip", "gpt-4o", True, 0), ("vip", "o1", True, 0)]
    # a new key replaces the old one; disabling flips the abilities; enabling flips them back
    ok_data(c, "PUT", "/api/channel/", "admin", json={"id": 1, "key": "sk-rotated", "status": 2})
    assert _key(original_db, 1).strip() == "sk-rotated"
    assert _abilities(original_db, 1) == [("vip", "gpt-4o", False, 0), ("vip", "o1", False, 0)]
    ok_data(c, "PUT", "/api/channel/", "admin", json={"id": 4, "status": 1, "priority": 7})
    assert _abilities(original_db, 4) == sorted((g, m, True, 7) for g in ("default", "vip")
                                                for m in ("gemini-1.5-flash", "gemini-1.5-pro", "gemini-2.0-flash"))
    # bad input changes nothing
    assert failure(c, "PUT", "/api/channel/", "admin", json={"id": 3, "model_mapping": "{not json"})
    assert failure(c, "PUT", "/api/channel/", "admin", json={"id": 3, "model_mapping": "[1]"})
    assert failure(c, "PUT", "/api/channel/", "admin", json={"id": 3, "priority": "high"})
    assert failure(c, "PUT", "/api/channel/", "admin", json={"id": 3, "priority": 2 ** 64})
    assert failure(c, "PUT", "/api/channel/", "admin", json={"id": 99, "name": "x"}) == "渠道不存在"
    assert ok_data(c, "GET", "/api/channel/3", "admin")["model_mapping"] == "{}"
    assert len(_abilities(original_db, 3)) == 6


def test_delete_and_delete_disabled(original_client, original_db):
    c = original_client
    ok_data(c, "DELETE", "/api/channel/2", "admin")
    assert _abilities(original_db, 2) == []
    assert failure(c, "DELETE", "/api/channel/2", "admin") == "渠道不存在"
    assert ok_data(c, "DELETE", "/api/channel/disabled", "admin") == 2  # channels 4 (manual) and 5 (auto)
    assert [r[0] for r in dbs.raw_query(original_db, "SELECT id FROM channels ORDER BY id")] == [1, 3, 6]
    assert dbs.raw_query(original_db, "SELECT COUNT(*) FROM abilities")[0][0] == 8 + 6 + 2
    assert ok_data(c, "DELETE", "/api/channel/disabled", "admin") == 0


def test_channel_test_route(sqlite_client, sqlite_original):
    from tests.integration.relay.stub_upstream import WORDS, StubUpstream
    c = sqlite_client
    stub = StubUpstream()
    try:
        ok_data(c, "PUT", "/api/channel/", "admin", json={"id": 1, "base_url": stub.base("openai")})
        status, body = call(c, "GET", "/api/channel/test/1", "admin")
        assert status == 200 and body["success"] is True, body
        assert body["message"] == "".join(WORDS) and body["modelName"] == "gpt-4o-mini" and body["time"] >= 0
        sent = stub.hits("openai")[0]
        assert sent["path"] == "/v1/chat/completions" and sent["json"]["model"] == "gpt-4o-mini"
        assert sent["headers"]["authorization"] == "Bearer sk-proj-FIXTUREfakeOpenAIkey0000000000000000000000000001"
        assert dbs.raw_query(sqlite_original, "SELECT test_time > 1740049200 FROM channels WHERE id = 1")[0][0] == 1
        # a fatal upstream error disables the channel (AutomaticDisableChannelEnabled is on in the fixture)
        stub.behave("openai", "auth401")
        body = call(c, "GET", "/api/channel/test/1?model=gpt-4o", "admin")[1]
    finally:
        stub.stop()
    assert body["success"] is False and body["modelName"] == "gpt-4o" and body["time"] == 0.0
    assert "sk-proj" not in body["message"]
    assert ok_data(c, "GET", "/api/channel/1", "admin")["status"] == 3
    assert set(_abilities(sqlite_original, 1)) == {(g, m, False, 10) for g in ("default", "vip") for m in
                                                   ("gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo", "text-embedding-3-small")}
    assert failure(c, "GET", "/api/channel/test/99", "admin") == "渠道不存在"
    assert failure(c, "GET", "/api/channel/test", "alice") == "无权进行此操作，权限不足"


def test_balance_routes(sqlite_client, sqlite_original):
    c = sqlite_client
    with responses.RequestsMock() as upstream:
        upstream.get("https://api.openai.com/v1/dashboard/billing/subscription",
                     json={"hard_limit_usd": 100, "has_payment_method": True})
        upstream.get(re.compile(r"https://api\.openai\.com/v1/dashboard/billing/usage\?start_date=.*"),
                     json={"total_usage": 1250})
        upstream.get("https://api.deepseek.com/user/balance",
                     json={"is_available": True, "balance_infos": [{"currency": "USD", "total_balance": "1"},
                                                                   {"currency": "CNY", "total_balance": "110.50"}]})
        status, body = call(c, "GET", "/api/channel/update_balance/1", "admin")
        assert status == 200 and body == {"success": True, "message": "", "balance": 87.5}
        assert call(c, "GET", "/api/channel/update_balance/5", "admin")[1]["balance"] == 110.5
    rows = dbs.raw_query(sqlite_original, "SELECT id, balance, balance_updated_time > 1740000000 FROM channels "
                                          "WHERE id IN (1, 5) ORDER BY id")
    assert rows == [(1, 87.5, 1), (5, 110.5, 1)]
    assert failure(c, "GET", "/api/channel/update_balance/3", "admin") == "尚未实现"
    with responses.RequestsMock() as upstream:
        upstream.get("https://api.deepseek.com/user/balance", status=401, json={"error": "bad key"})
        assert "401" in failure(c, "GET", "/api/channel/update_balance/5", "admin")
    assert failure(c, "GET", "/api/channel/update_balance/1", "alice") == "无权进行此操作，权限不足"


def test_bulk_test_runs_once_in_the_background(sqlite_client, monkeypatch):
    import threading
    import time

    from oneapi.services import channel_checks, channel_health
    release, scopes = threading.Event(), []

    def fake_test_all(scope="all"):
        scopes.append(scope)
        release.wait(5)

    monkeypatch.setattr(channel_health, "test_all_channels", fake_test_all)
    ok_data(sqlite_client, "GET", "/api/channel/test?scope=disabled", "admin")
    assert failure(sqlite_client, "GET", "/api/channel/test", "admin") == "测试已在运行中"
    release.set()
    deadline = time.time() + 5
    while channel_checks.is_running("test") and time.time() < deadline:
        time.sleep(0.01)
    ok_data(sqlite_client, "GET", "/api/channel/test", "admin")
    while channel_checks.is_running("test") and time.time() < deadline:
        time.sleep(0.01)
    assert scopes == ["disabled", "all"]


def test_values_the_database_cannot_hold_are_refused_whole(original_client, original_db):
    c = original_client
    base = {"type": 1, "key": "k1\nk2", "group": "default"}
    assert "过长" in failure(c, "POST", "/api/channel/", "admin", json={**base, "models": "m" * 192})
    assert failure(c, "POST", "/api/channel/", "admin", json={**base, "models": "m", "system_prompt": "提" * 30000})
    assert failure(c, "POST", "/api/channel/", "admin", json={**base, "models": "m", "group": "g" * 33})
    # names that differ only in case: distinct rows where the collation allows it, else a clean refusal
    status, body = call(c, "POST", "/api/channel/", "admin", json={**base, "models": "GPT-X,gpt-x"})
    count = dbs.raw_query(original_db, "SELECT COUNT(*) FROM channels")[0][0]
    if original_db.dialect == "mysql":
        assert body["success"] is False and count == 6
    else:
        assert body["success"] is True and count == 8
    assert dbs.raw_query(original_db, "SELECT COUNT(*) FROM abilities")[0][0] == 28 + (count - 6) * 2
