"""The billing HTTP API: per-request cost, external billing by token key, token history, usage reports."""
from __future__ import annotations

import os
import time

import pytest

from oneapi import db

from oneapi.billing import batch, ledger
from oneapi.models import Log, Token, TokenTransaction, User
from tests.support import dbs
from tests.support.app import make_app
from tests.unit.ledger import support

ROOT_ACCESS = "r" * 32
USER_ACCESS = "a" * 32
KEY = {"Authorization": "Bearer sk-" + support.LIMITED_KEY}


DIALECTS = [d.strip() for d in os.environ.get("ONEAPI_TEST_DIALECTS", ",".join(dbs.DIALECTS)).split(",")
            if d.strip()]


@pytest.fixture(scope="module", params=DIALECTS)
def api_app(request, tmp_path_factory):
    """One app and database per dialect for this module; each test starts from empty tables."""
    tdb = dbs.create(request.param, tmp_path_factory.mktemp("billing-api"))
    app = make_app(tdb)
    prepared = support.PreparedDatabase(tdb, db.database.obj, db.log_database.obj)
    yield app, prepared
    support.release(prepared)
    dbs.drop(tdb)


@pytest.fixture
def billing_app(api_app, monkeypatch):
    from oneapi import config
    app, prepared = api_app
    monkeypatch.setattr(config, "settings", config.settings)
    support.activate(prepared)
    ids = support.seed(user_quota=1_000_000, token_remain=100_000)
    User.update(access_token=USER_ACCESS).where(User.id == ids["user"]).execute()
    ids["admin"] = User.create(username="root", password="x", role=100, access_token=ROOT_ACCESS, aff_code=None).id
    yield app, ids
    batch.reset_for_tests()
    db.close_request_connections()


def _settle(ids, request_id, prompt, completion, **ctx):
    res = ledger.reserve(support.context(ids, request_id, **ctx), prompt, None)
    return ledger.settle(res, ledger.Usage(prompt, completion))


# ------------------------------------------------------------------ /api/cost/request/:id


def test_cost_lookup_returns_the_bare_row(billing_app):
    app, ids = billing_app
    assert _settle(ids, "20260101000000123456789", 100, 50) == 500
    body = app.test_client().get("/api/cost/request/20260101000000123456789").get_json()
    assert set(body) == {"id", "created_time", "user_id", "request_id", "quota", "cost_usd", "created_at",
                         "updated_at"}
    assert (body["user_id"], body["request_id"], body["quota"]) == (ids["user"], "20260101000000123456789", 500)
    assert body["cost_usd"] == pytest.approx(0.001)
    assert body["created_at"] >= body["created_time"] * 1000 - 1000  # ms next to seconds


def test_cost_lookup_of_an_unknown_request_is_an_envelope(billing_app):
    app, _ = billing_app
    resp = app.test_client().get("/api/cost/request/nope")
    assert resp.status_code == 200
    assert resp.get_json()["success"] is False


# ------------------------------------------------------------------ /api/token/consume


def _consume(app, body, headers=KEY):
    resp = app.test_client().post("/api/token/consume", json=body, headers=headers)
    return resp.status_code, resp.get_json()


def test_single_phase_charges_once_and_logs(billing_app):
    app, ids = billing_app
    before = support.accounts(ids)
    status, body = _consume(app, {"add_reason": "transcode", "add_used_quota": 150})
    assert status == 200 and body["success"] is True
    assert body["data"]["remain_quota"] == before["token_remain"] - 150
    txn = body["transaction"]
    assert (txn["status"], txn["status_code"], txn["pre_quota"], txn["final_quota"]) == ("confirmed", 2, 150, 150)
    after = support.accounts(ids)
    assert after["user_quota"] == before["user_quota"] - 150
    assert (after["user_used"], after["requests"], after["token_used"]) == (150, 1, 150)
    [row] = Log.select().where(Log.model_name == "transcode")
    assert (row.quota, row.type, row.token_name, row.id) == (150, 2, "limited", txn["log_id"])


def test_pre_then_post_charges_the_final_amount(billing_app):
    app, ids = billing_app
    before = support.accounts(ids)
    _, pre = _consume(app, {"phase": "pre", "add_reason": "job-42", "add_used_quota": 1000, "timeout_seconds": 99})
    txn = pre["transaction"]
    assert txn["status"] == "pending" and txn["final_quota"] is None
    assert txn["expires_at"] - int(time.time()) in range(97, 100)
    assert support.accounts(ids)["token_remain"] == before["token_remain"] - 1000

    status, post = _consume(app, {"phase": "post", "add_reason": "job-42", "transaction_id": txn["transaction_id"],
                                  "final_used_quota": 600, "elapsed_time_ms": 1234})
    assert status == 200 and post["transaction"]["status"] == "confirmed"
    assert post["transaction"]["final_quota"] == 600 and post["transaction"]["elapsed_time_ms"] == 1234
    after = support.accounts(ids)
    assert after["token_remain"] == before["token_remain"] - 600
    assert (after["user_quota"], after["user_used"], after["token_used"]) == (before["user_quota"] - 600, 600, 600)
    row = Log.get_by_id(txn["log_id"])
    assert (row.quota, row.elapsed_time) == (600, 1234) and "finalized" in row.content

    status, again = _consume(app, {"phase": "post", "add_reason": "x", "transaction_id": txn["transaction_id"],
                                   "final_used_quota": 1})
    assert status == 400 and "already confirmed" in again["message"]


def test_cancel_gives_the_hold_back(billing_app):
    app, ids = billing_app
    before = support.accounts(ids)
    _, pre = _consume(app, {"phase": "pre", "add_reason": "job", "add_used_quota": 500})
    tid = pre["transaction"]["transaction_id"]
    status, body = _consume(app, {"phase": "cancel", "add_reason": "job", "transaction_id": tid})
    assert status == 200 and body["transaction"]["status"] == "canceled" and body["transaction"]["final_quota"] == 0
    after = support.accounts(ids)
    assert (after["user_quota"], after["token_remain"], after["user_used"], after["token_used"]) == (
        before["user_quota"], before["token_remain"], 0, 0)
    assert Log.get_by_id(pre["transaction"]["log_id"]).quota == 0
    status, body = _consume(app, {"phase": "cancel", "add_reason": "job", "transaction_id": tid})
    assert status == 400 and "cannot be canceled" in body["message"]


def test_racing_post_and_cancel_settle_a_hold_once(billing_app):
    import threading
    app, ids = billing_app
    before = support.accounts(ids)
    _, pre = _consume(app, {"phase": "pre", "add_reason": "race", "add_used_quota": 700})
    tid = pre["transaction"]["transaction_id"]
    outcomes, barrier = [], threading.Barrier(6)

    def call(phase):
        barrier.wait()
        body = {"phase": phase, "add_reason": "race", "transaction_id": tid, "final_used_quota": 400}
        outcomes.append((phase, _consume(app, body)[0]))
        db.close_request_connections()

    threads = [threading.Thread(target=call, args=(p,)) for p in ("post", "cancel") * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [phase for phase, status in outcomes if status == 200]
    assert len(winners) == 1, outcomes
    spent = 400 if winners[0] == "post" else 0
    after = support.accounts(ids)
    assert (after["user_used"], after["token_used"], before["token_remain"] - after["token_remain"]) == (
        spent, spent, spent)
    assert Log.get_by_id(pre["transaction"]["log_id"]).quota == spent


def test_expired_holds_are_auto_confirmed_on_the_next_call(billing_app):
    app, ids = billing_app
    _, pre = _consume(app, {"phase": "pre", "add_reason": "slow", "add_used_quota": 300})
    tid = pre["transaction"]["transaction_id"]
    TokenTransaction.update(expires_at=int(time.time()) - 1).where(TokenTransaction.transaction_id == tid).execute()
    _consume(app, {"add_reason": "other", "add_used_quota": 1})
    txn = TokenTransaction.get(TokenTransaction.transaction_id == tid)
    assert (txn.status, txn.final_quota, bool(txn.auto_confirmed)) == (3, 300, True)
    assert "auto-confirmed" in Log.get_by_id(txn.log_id).content
    status, body = _consume(app, {"phase": "post", "add_reason": "slow", "transaction_id": tid,
                                  "final_used_quota": 10})
    assert status == 400 and "auto_confirmed" in body["message"]
    assert support.accounts(ids)["user_used"] == 301


REFUSALS = [
    ({"add_used_quota": 5}, 400, "add_reason"),
    ({"add_reason": "r", "phase": "pre", "add_used_quota": 0}, 400, "greater than 0"),
    ({"add_reason": "r", "phase": "post", "final_used_quota": 5}, 400, "transaction_id is required"),
    ({"add_reason": "r", "phase": "post", "transaction_id": "missing", "final_used_quota": 5}, 404, "not found"),
    ({"add_reason": "r", "phase": "post", "transaction_id": "missing", "add_used_quota": 0}, 400, "must be provided"),
    ({"add_reason": "r", "phase": "refund", "add_used_quota": 5}, 400, "unsupported phase"),
    ({"add_reason": "r", "add_used_quota": -5}, 400, "non-negative"),
    ({"add_reason": "r", "add_used_quota": 100_001}, 403, "令牌额度不足"),
]


def test_consume_refusals_change_nothing(billing_app):
    app, ids = billing_app
    before = support.accounts(ids)
    for body, status, words in REFUSALS:
        got_status, got = _consume(app, body)
        assert (got_status, got["success"]) == (status, False), body
        assert words in got["message"], (body, got["message"])
    assert support.accounts(ids) == before
    assert TokenTransaction.select().count() == 0 and Log.select().count() == 0


def test_consume_needs_a_valid_key(billing_app):
    app, _ = billing_app
    status, body = _consume(app, {"add_reason": "r", "add_used_quota": 1}, headers={})
    assert status == 401 and body["error"]["type"] == "one_api_error"
    status, body = _consume(app, {"add_reason": "r", "add_used_quota": 1}, headers={"Authorization": "Bearer sk-x"})
    assert status == 401 and body["error"]["message"].startswith("无效的令牌")
    Token.update(status=2).where(Token.key == support.LIMITED_KEY).execute()
    status, _ = _consume(app, {"add_reason": "r", "add_used_quota": 1})
    assert status == 401


# ------------------------------------------------------------------ token balance / history


def test_balance_transactions_and_logs_of_the_key(billing_app):
    app, ids = billing_app
    client = app.test_client()
    for amount in (10, 20, 30):
        _consume(app, {"add_reason": f"r{amount}", "add_used_quota": amount})
    _settle(ids, "relay-1", 100, 50, limited=False)  # another token of the same user: not listed

    balance = client.get("/api/token/balance", headers=KEY).get_json()["data"]
    assert balance == {"remain_quota": 100_000 - 60, "used_quota": 60, "unlimited_quota": False}
    txns = client.get("/api/token/transactions?p=0&size=2", headers=KEY).get_json()
    assert txns["total"] == 3 and [t["pre_quota"] for t in txns["data"]] == [30, 20]
    logs = client.get("/api/token/logs", headers=KEY).get_json()
    assert logs["total"] == 3 and [r["model_name"] for r in logs["data"]] == ["r30", "r20", "r10"]
    assert logs["data"][0]["channel"] == 0


# ------------------------------------------------------------------ /api/report/usage


def _log(user_id, username, created_at, model, quota, channel=1, token="t", prompt=10, completion=5, cached=0):
    Log.insert(user_id=user_id, username=username, created_at=created_at, type=2, model_name=model, quota=quota,
               channel_id=channel, token_name=token, prompt_tokens=prompt, completion_tokens=completion,
               cached_prompt_tokens=cached, content="").execute()


def _report(app, access, query):
    return app.test_client().get("/api/report/usage?" + query, headers={"Authorization": access}).get_json()


def test_usage_report_groups_and_scopes(billing_app):
    app, ids = billing_app
    day = 1_767_225_600  # 2026-01-01 00:00 UTC
    _log(ids["user"], "ledger-user", day + 3600, "m1", 100, cached=4)
    _log(ids["user"], "ledger-user", day + 3 * 3600, "m2", 50, channel=2)
    _log(ids["user"], "ledger-user", day + DAY_S + 60, "m1", 7)
    _log(ids["admin"], "root", day + 7200, "m1", 1000)
    Log.insert(user_id=ids["admin"], username="root", created_at=day + 100, type=1, quota=99, content="top-up").execute()
    span = f"start_timestamp={day}&end_timestamp={day + 2 * DAY_S - 1}"

    by_model = _report(app, ROOT_ACCESS, "group_by=model&" + span)
    assert [(r["model_name"], r["request_count"], r["quota"]) for r in by_model["data"]] == [
        ("m1", 3, 1107), ("m2", 1, 50)]
    assert by_model["total"]["quota"] == 1157 and by_model["total"]["cost_usd"] == pytest.approx(1157 / 500000)
    assert by_model["data"][0]["cached_prompt_tokens"] == 4 and by_model["data"][0]["prompt_tokens"] == 30

    by_user = _report(app, ROOT_ACCESS, "group_by=user&" + span)
    assert [(r["username"], r["quota"]) for r in by_user["data"]] == [("root", 1000), ("ledger-user", 157)]
    by_channel = _report(app, ROOT_ACCESS, "group_by=channel&" + span)
    assert [(r["channel"], r["quota"]) for r in by_channel["data"]] == [(1, 1107), (2, 50)]

    own = _report(app, USER_ACCESS, "group_by=day&" + span)
    assert [(r["day"], r["request_count"], r["quota"]) for r in own["data"]] == [
        ("2026-01-01", 2, 150), ("2026-01-02", 1, 7)]
    assert own["data"][0]["timestamp"] == day
    # 23:00 UTC on Jan 1 is already Jan 2 at UTC+8; an empty day in range is still listed
    _log(ids["user"], "ledger-user", day + 23 * 3600, "m3", 1)
    shifted = _report(app, USER_ACCESS, f"group_by=day&tz_offset=480&start_timestamp={day}"
                                        f"&end_timestamp={day + 3 * DAY_S}")
    assert [(r["day"], r["quota"]) for r in shifted["data"]] == [
        ("2026-01-01", 150), ("2026-01-02", 8), ("2026-01-03", 0), ("2026-01-04", 0)]
    assert shifted["data"][1]["timestamp"] == day + DAY_S - 8 * 3600

    assert _report(app, USER_ACCESS, "group_by=token&" + span)["data"][0]["username"] == "ledger-user"
    assert _report(app, USER_ACCESS, "group_by=week")["success"] is False


DAY_S = 86400
