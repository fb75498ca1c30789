"""Logs for admins and for users: filters, stats, search, deletion and the per-day dashboard."""
from __future__ import annotations

import time

from tests.integration.api.conftest import call, failure, ok_data, raw_execute
from tests.support import dbs

USED = {"root": 16134, "admin": 14466, "alice": 5717, "bob": 126770}
CHANNEL_USED = {1: 121922, 2: 5107, 3: 30990, 4: 1017, 5: 2309, 6: 1742}


def test_admin_lists_and_filters(original_client):
    c = original_client
    body = call(c, "GET", "/api/log/?p=0", "admin")[1]
    assert body["total"] == 30 and len(body["data"]) == 10
    assert [r["id"] for r in body["data"]] == list(range(30, 20, -1))
    assert call(c, "GET", "/api/log/?type=2&size=100", "admin")[1]["total"] == 24
    assert call(c, "GET", "/api/log/?type=4", "admin")[1]["total"] == 3
    bob = call(c, "GET", "/api/log/?type=2&username=bob&size=100", "admin")[1]
    assert bob["total"] == 8 and sum(r["quota"] for r in bob["data"]) == USED["bob"]
    ch6 = ok_data(c, "GET", "/api/log/?channel=6&size=100", "admin")
    assert {r["channel"] for r in ch6} == {6} and sum(r["quota"] for r in ch6) == CHANNEL_USED[6]
    assert any(r["system_prompt_reset"] for r in ch6)
    mapped = ok_data(c, "GET", "/api/log/?model_name=gpt-4o-2024-08-06", "admin")
    assert mapped and all(r["channel"] == 2 for r in mapped)
    window = ok_data(c, "GET", "/api/log/?start_timestamp=1737464400&end_timestamp=1737565200&size=50", "admin")
    assert [r["id"] for r in window] == [3, 2, 1]
    assert ok_data(c, "GET", "/api/log/?token_name=alice-app&size=100", "admin")
    assert [r["id"] for r in ok_data(c, "GET", "/api/log/?size=5&p=5", "admin")] == [5, 4, 3, 2, 1]
    assert call(c, "GET", "/api/log/?size=5&p=6", "admin")[1]["data"] == []
    assert len(ok_data(c, "GET", "/api/log/?size=100000", "admin")) == 30  # capped, not an error
    assert failure(c, "GET", "/api/log/", "alice") == "无权进行此操作，权限不足"


def test_stats(original_client):
    c = original_client
    assert ok_data(c, "GET", "/api/log/stat", "admin") == {"quota": sum(USED.values())}
    assert ok_data(c, "GET", "/api/log/stat?channel=1", "admin") == {"quota": CHANNEL_USED[1]}
    assert ok_data(c, "GET", "/api/log/stat?username=alice", "admin") == {"quota": USED["alice"]}
    for name, used in USED.items():
        assert ok_data(c, "GET", "/api/log/self/stat", name) == {"quota": used}
    # a user cannot widen their own stat to someone else
    assert ok_data(c, "GET", "/api/log/self/stat?username=bob", "alice") == {"quota": USED["alice"]}
    body = call(c, "GET", "/api/log/self?size=100", "alice")[1]
    assert body["total"] == 9 and {r["user_id"] for r in body["data"]} == {3}
    assert {r["id"] for r in body["data"]} == {0}
    assert call(c, "GET", "/api/log/self?username=bob&size=100", "alice")[1]["total"] == 9
    assert call(c, "GET", "/api/log/self?type=2", "alice")[1]["total"] == 7
    found = ok_data(c, "GET", "/api/log/self/search?keyword=1", "bob")
    assert [r["content"] for r in found] == ["通过兑换码充值 ＄10.000000 额度"] and found[0]["id"] == 0
    assert ok_data(c, "GET", "/api/log/self/search?keyword=abc", "bob") == []


def test_admin_search_and_delete(original_client, original_db):
    c = original_client
    assert [r["id"] for r in ok_data(c, "GET", "/api/log/search?keyword=3", "admin")] == [4, 2]
    assert [r["id"] for r in ok_data(c, "GET", "/api/log/search?keyword=新用户", "admin")] == [5, 3, 1]
    assert failure(c, "DELETE", "/api/log/", "admin") == "target timestamp is required"
    assert failure(c, "DELETE", "/api/log/?target_timestamp=abc", "admin")
    assert ok_data(c, "DELETE", "/api/log/?target_timestamp=1737565200", "admin") == 2  # logs 1 and 2
    assert dbs.raw_query(original_db, "SELECT MIN(id), COUNT(*) FROM logs")[0] == (3, 28)
    assert failure(c, "DELETE", "/api/log/?target_timestamp=9999999999", "alice") == "无权进行此操作，权限不足"


def test_dashboard_groups_last_seven_days_by_day_and_model(original_client, original_db):
    c = original_client
    now = int(time.time())
    today = now // 86400 * 86400
    rows = [(3, today + 60, "gpt-4o", 100, 10, 5), (3, today + 120, "gpt-4o", 50, 1, 2),
            (3, today - 86400 + 10, "o1", 7, 3, 4), (3, today - 8 * 86400, "gpt-4o", 999, 9, 9),
            (4, today + 60, "gpt-4o", 5, 5, 5)]
    values = ", ".join(f"({u}, {t}, 2, '', '{m}', {q}, {p}, {cpl})" for u, t, m, q, p, cpl in rows)
    raw_execute(original_db, "INSERT INTO logs (user_id, created_at, type, content, model_name, quota, "
                               f"prompt_tokens, completion_tokens) VALUES {values}")
    data = ok_data(c, "GET", "/api/user/dashboard", "alice")
    day = time.strftime("%Y-%m-%d", time.gmtime(today))
    yesterday = time.strftime("%Y-%m-%d", time.gmtime(today - 86400))
    assert data == [
        {"Day": yesterday, "ModelName": "o1", "RequestCount": 1, "Quota": 7, "PromptTokens": 3, "CompletionTokens": 4},
        {"Day": day, "ModelName": "gpt-4o", "RequestCount": 2, "Quota": 150, "PromptTokens": 11,
         "CompletionTokens": 7},
    ]
