"""1,000 concurrent relay requests through two gateway instances sharing one PostgreSQL and Redis.

Instance A runs two gunicorn workers writing quota directly; instance B batches its quota writes
(BATCH_UPDATE_ENABLED, interval longer than the test) so they reach the database only when it shuts down.
The mix: plain and streamed completions, clients that hang up mid-stream, and requests whose provider fails
(refunded). After both instances
stop, for every user, token and channel the sum of the new consume log rows equals its used-quota change
to the unit, balances moved by the same amounts, and each request's cost record matches its log row.
"""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.relay.stub_upstream import StubUpstream
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

TOTAL = 1000
IN_FLIGHT = 32
KEYS = {  # tokens of the original fixture database (../shared/fixtures/README.md)
    "root": "WrEDFbchfWe6cOBt21De92E15884505f62F71c9fD5Ad4b80",  # unlimited
    "admin": "HKB8B7a0zi90oEOP6f1931Ff6817Bd1f2aF8309b64A954Ca",  # limited
    "bob": "3XVEIBUvY4Lu3c0VDf0e5862Ae190f44327304FeE256A854",  # unlimited, group vip
    "alice": "js1Mm3INWmjaPdloB008B75e1bCe66Dd17D84c73178eC870",  # limited, gpt-4o-mini allowed, loopback only
}


def _execute(tdb, *statements) -> None:
    import psycopg2
    conn = psycopg2.connect(host=dbs.PG_HOST, port=dbs.PG_PORT, user=dbs.PG_USER, dbname=tdb.name)
    conn.autocommit = True
    with conn.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)
    conn.close()


@pytest.fixture
def world(tmp_path):
    tdb = dbs.create("postgres", tmp_path)
    dbs.load_original_fixture(tdb)
    stub = StubUpstream()
    stub.events, stub.event_delay = 6, 0.02
    stub.behave("fail", "fail500")
    _execute(tdb,
             ('UPDATE channels SET base_url = %s WHERE id = 1', (stub.base("ok"),)),
             ('UPDATE channels SET base_url = %s WHERE id = 6', (stub.base("fail") + "/v1",)))
    env = dict(REDIS_CONN_STRING=dbs.require_redis(), GLOBAL_RELAY_RATE_LIMIT="0", RATE_LIMIT_DISABLED="true",
               SHUTDOWN_TIMEOUT="30", SYNC_FREQUENCY="60", RELAY_TIMEOUT="10",
               SQL_MAX_OPEN_CONNS="16")  # 3 workers x 16 stay well inside PostgreSQL's default 100
    direct = GatewayServer(gateway_env(tdb, **env), workers=2, log_path=str(tmp_path / "direct.log"))
    batched = GatewayServer(gateway_env(tdb, BATCH_UPDATE_ENABLED="true", BATCH_UPDATE_INTERVAL="3600", **env),
                            log_path=str(tmp_path / "batched.log"))
    direct.start()  # one after the other: the first start adds the fork's columns to the fixture database
    batched.start()
    try:
        yield tdb, stub, [direct, batched]
    finally:
        for server in (direct, batched):
            server.stop()
        stub.stop()
        dbs.drop(tdb)


def _snapshot(tdb) -> dict:
    return {
        "users": {r[0]: r[1:] for r in dbs.raw_query(tdb, "SELECT id, quota, used_quota, request_count FROM users")},
        "tokens": {r[0]: r[1:] for r in dbs.raw_query(
            tdb, "SELECT id, user_id, name, unlimited_quota, remain_quota, used_quota FROM tokens")},
        "channels": dict(dbs.raw_query(tdb, "SELECT id, used_quota FROM channels")),
        "last_log": dbs.raw_query(tdb, "SELECT COALESCE(MAX(id), 0) FROM logs")[0][0],
    }


def _plan(rng: random.Random) -> dict:
    roll = rng.random()
    who = rng.choice(list(KEYS))
    if roll < 0.15:
        return {"kind": "fails", "who": "bob", "model": "llama-3.1-70b", "stream": rng.random() < 0.5}
    if roll < 0.3:
        return {"kind": "hang-up", "who": who, "model": "gpt-4o-mini", "stream": True}
    return {"kind": "ok", "who": who, "model": "gpt-4o-mini", "stream": rng.random() < 0.5}


def _send(url: str, plan: dict) -> dict:
    try:
        return _exchange(url, plan)
    except requests.RequestException:  # the client gave up: for the ledger, one more hung-up client
        return {**plan, "status": None, "request_id": ""}


def _exchange(url: str, plan: dict) -> dict:
    body = {"model": plan["model"], "stream": plan["stream"],
            "messages": [{"role": "user", "content": "tell me something " * random.randint(1, 20)}]}
    headers = {"Authorization": "Bearer sk-" + KEYS[plan["who"]]}
    with requests.post(url + "/v1/chat/completions", json=body, headers=headers, stream=True, timeout=60) as resp:
        result = {**plan, "status": resp.status_code, "request_id": resp.headers.get("X-Oneapi-Request-Id", "")}
        if plan["kind"] == "hang-up" and resp.status_code == 200:
            next(resp.iter_content(chunk_size=None))  # the first event, then the client goes away
            return result  # leaving the block closes the unread connection
        resp.content  # read to the end
    return result


def test_thousand_concurrent_requests_keep_the_ledger_exact(world):
    tdb, stub, servers = world
    before = _snapshot(tdb)
    rng = random.Random(5)
    plans = [_plan(rng) for _ in range(TOTAL)]
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        results = list(pool.map(lambda ip: _send(servers[ip[0] % 2].url, ip[1]), enumerate(plans)))
    for server in servers:  # graceful stop: in-flight settlements finish, instance B flushes its batch
        server.stop()
    after = _snapshot(tdb)

    by_kind = {k: [r for r in results if r["kind"] == k] for k in ("ok", "hang-up", "fails")}
    answered = by_kind["ok"] + by_kind["hang-up"]
    # The ledger is what is under test; a rare relay hiccup on this shared machine must not hide it.
    assert sum(r["status"] == 200 for r in answered) >= 0.95 * len(answered)
    assert not any(r["status"] == 200 for r in by_kind["fails"])

    logs = dbs.raw_query(tdb, "SELECT request_id, user_id, token_name, channel_id, quota, metadata FROM logs "
                              f"WHERE type = 2 AND id > {before['last_log']}")
    by_request = {}
    for row in logs:
        assert row[0] not in by_request, f"request {row[0]} logged twice"
        by_request[row[0]] = row
    served = [r for r in results if r["status"] == 200]
    assert {r["request_id"] for r in served} <= set(by_request)  # every answered request has its one row
    assert len(by_request) <= len(served) + sum(r["status"] is None for r in results)  # and nothing else
    assert all(by_request[r["request_id"]][3] == 1 for r in served)  # channel 1 serves gpt-4o-mini

    # the per-request cost record: final quota when answered; 0 when the provider failed, or no record at all
    # when the request was refused before anything was reserved (e.g. the failing channel got suspended)
    costs = dict(dbs.raw_query(tdb, "SELECT request_id, quota FROM user_request_costs"))
    for r in results:
        if r["status"] is None:
            continue
        if r["status"] == 200:
            assert costs.get(r["request_id"][:32]) == by_request[r["request_id"]][4], r
        else:
            assert costs.get(r["request_id"][:32], 0) == 0, r

    spent_by_user, count_by_user, spent_by_token, spent_by_channel = {}, {}, {}, {}
    for _rid, user_id, token_name, channel_id, quota, _meta in logs:
        spent_by_user[user_id] = spent_by_user.get(user_id, 0) + quota
        count_by_user[user_id] = count_by_user.get(user_id, 0) + 1
        spent_by_token[(user_id, token_name)] = spent_by_token.get((user_id, token_name), 0) + quota
        spent_by_channel[channel_id] = spent_by_channel.get(channel_id, 0) + quota
    assert sum(spent_by_user.values()) > 0
    for user_id, (quota0, used0, count0) in before["users"].items():
        quota1, used1, count1 = after["users"][user_id]
        spent = spent_by_user.get(user_id, 0)
        assert (used1 - used0, quota0 - quota1, count1 - count0) == (spent, spent, count_by_user.get(user_id, 0)), \
            f"user {user_id}"
    for token_id, (user_id, name, unlimited, remain0, used0) in before["tokens"].items():
        _, _, _, remain1, used1 = after["tokens"][token_id]
        if unlimited:
            assert (remain1, used1) == (remain0, used0), f"unlimited token {name} was written"
        else:
            spent = spent_by_token.get((user_id, name), 0)
            assert (used1 - used0, remain0 - remain1) == (spent, spent), f"token {name}"
    for channel_id, used0 in before["channels"].items():
        assert after["channels"][channel_id] - used0 == spent_by_channel.get(channel_id, 0), f"channel {channel_id}"
