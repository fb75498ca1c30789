"""Redemption codes: admin CRUD, and redeeming a code exactly once, even when requests race."""
from __future__ import annotations

import re
import threading

from tests.integration.api.conftest import call, failure, ok_data
from tests.support import dbs
from tests.support.app import make_app

PROMO = "52a16e2d7f291a492ae959e86e2e4bd6"


def test_redeem_once(original_client, original_db):
    c = original_client
    assert ok_data(c, "POST", "/api/user/topup", "alice", json={"key": PROMO}) == 2500000
    assert ok_data(c, "GET", "/api/user/self", "alice")["quota"] == 9994283 + 2500000
    assert "已被使用" in failure(c, "POST", "/api/user/topup", "bob", json={"key": PROMO})
    assert ok_data(c, "GET", "/api/user/self", "bob")["quota"] == 5373230
    assert "已被使用" in failure(c, "POST", "/api/user/topup", "bob", json={"key": "a4205e3e8f282348cb5b11ce0d0a6e52"})
    assert "无效的兑换码" in failure(c, "POST", "/api/user/topup", "bob", json={"key": "0" * 32})
    assert "无效的兑换码" in failure(c, "POST", "/api/user/topup", "bob", json={"key": PROMO.upper()})
    assert failure(c, "POST", "/api/user/topup", "bob", json={"key": ""}) == "未提供兑换码"
    assert failure(c, "POST", "/api/user/topup", "bob", json={"key": 5}) == "未提供兑换码"
    row = dbs.raw_query(original_db, "SELECT status, redeemed_time > 0 FROM redemptions WHERE id = 3")[0]
    assert row[0] == 3 and bool(row[1])
    log = dbs.raw_query(original_db, "SELECT user_id, type, content, quota FROM logs ORDER BY id DESC")[0]
    assert log == (3, 1, "通过兑换码充值 ＄5.000000 额度", 0)


def test_concurrent_redeems_credit_once(original_db):
    app = make_app(original_db)
    clients = [app.test_client() for _ in range(6)]
    results: list = []
    barrier = threading.Barrier(len(clients))

    def redeem(client, who):
        barrier.wait()
        results.append(call(client, "POST", "/api/user/topup", who, json={"key": PROMO})[1])

    threads = [threading.Thread(target=redeem, args=(cl, ("alice", "bob")[i % 2])) for i, cl in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for r in results if r and r["success"]) == 1, results
    assert all(r is not None for r in results)
    total = sum(r[0] for r in dbs.raw_query(original_db, "SELECT quota FROM users WHERE id IN (3, 4)"))
    assert total == 9994283 + 5373230 + 2500000


def test_admin_crud(original_client, original_db):
    c = original_client
    body = call(c, "GET", "/api/redemption/", "admin")[1]
    assert body["total"] == 3 and [r["id"] for r in body["data"]] == [3, 2, 1]
    keys = ok_data(c, "POST", "/api/redemption/", "admin", json={"name": "batch", "quota": 1000, "count": 3})
    assert len(keys) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
    rows = dbs.raw_query(original_db, "SELECT user_id, status, name, quota FROM redemptions WHERE id > 3")
    assert sorted(rows) == [(2, 1, "batch", 1000)] * 3
    assert [r["name"] for r in ok_data(c, "GET", "/api/redemption/search?keyword=promo", "admin")] == ["promo-5usd"]
    assert [r["id"] for r in ok_data(c, "GET", "/api/redemption/search?keyword=2", "admin")] == [2]
    assert ok_data(c, "GET", "/api/redemption/3", "admin")["key"] == PROMO
    updated = ok_data(c, "PUT", "/api/redemption/", "admin", json={"id": 4, "name": "renamed", "quota": 7})
    assert (updated["name"], updated["quota"], updated["status"]) == ("renamed", 7, 1)
    assert ok_data(c, "PUT", "/api/redemption/?status_only=1", "admin", json={"id": 4, "status": 2})["status"] == 2
    assert "已被使用" in failure(c, "POST", "/api/user/topup", "bob", json={"key": keys[0]})
    ok_data(c, "DELETE", "/api/redemption/5", "admin")
    assert failure(c, "GET", "/api/redemption/5", "admin") == "兑换码不存在"
    assert ok_data(c, "POST", "/api/user/topup", "bob", json={"key": keys[2]}) == 1000
    # validation: nothing is written on failure
    assert failure(c, "POST", "/api/redemption/", "admin", json={"name": "", "count": 1}) == "兑换码名称长度必须在1-20之间"
    assert failure(c, "POST", "/api/redemption/", "admin", json={"name": "x" * 21, "count": 1})
    assert failure(c, "POST", "/api/redemption/", "admin", json={"name": "x", "count": 0}) == "兑换码个数必须大于0"
    assert failure(c, "POST", "/api/redemption/", "admin", json={"name": "x", "count": 101}) \
        == "一次兑换码批量生成的个数不能大于 100"
    assert failure(c, "POST", "/api/redemption/", "admin", json={"name": "x", "count": 2, "quota": -1})
    assert failure(c, "POST", "/api/redemption/", "alice", json={"name": "x", "count": 1}) == "无权进行此操作，权限不足"
    assert dbs.raw_query(original_db, "SELECT COUNT(*) FROM redemptions")[0][0] == 5
    many = ok_data(c, "POST", "/api/redemption/", "admin", json={"name": "bulk", "quota": 1, "count": 100})
    assert len(set(many)) == 100
