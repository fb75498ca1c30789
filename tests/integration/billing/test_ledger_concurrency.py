"""The ledger stays exact when many threads in several processes settle and refund against one database.

After a storm of mixed requests (settled, refunded, media, refused), for every user, token and channel the
sum of the consume log rows equals the change of its used quota, to the unit, and the balances moved by
exactly the same amounts.
"""
from __future__ import annotations

import multiprocessing
import random
import threading
import time

import pytest

from oneapi.billing import ledger
from oneapi.models import Channel, Log, Token, User
from tests.support import dbs
from tests.unit.ledger import support

THREADS = 6
OPS_PER_THREAD = 30
PROCESSES = 2


@pytest.fixture(params=["postgres", "mysql"])
def dialect(request):
    """Only the server databases: several processes writing to one SQLite file is not a deployment."""
    return request.param


@pytest.fixture
def shared_db(empty_db, monkeypatch):
    from oneapi import config
    monkeypatch.setattr(config, "settings", config.settings)
    support.open_database(empty_db)
    yield empty_db
    support.close_database()


def _seed_accounts() -> dict:
    now = int(time.time())
    users, tokens = [], []
    for i, quota in enumerate((150_000_000, 150_000, 10_000_000)):  # trusted, held, mixed
        user = User.create(username=f"u{i}", password="x", quota=quota, access_token=None, aff_code=None)
        users.append(user.id)
        for limited, remain in ((True, 5_000_000), (False, -1)):
            token = Token.create(user_id=user.id, key=f"{i}{'L' if limited else 'U'}".ljust(48, "k"),
                                 name=f"t{i}{'L' if limited else 'U'}", created_time=now, accessed_time=now,
                                 remain_quota=remain, unlimited_quota=not limited)
            tokens.append((token.id, user.id, token.key, token.name, limited))
    channels = [Channel.create(type=1, name=f"c{i}", key="k", models=support.MODEL,
                               model_configs=support.MODEL_CONFIGS).id for i in range(2)]
    return {"users": users, "tokens": tokens, "channels": channels}


def _snapshot() -> dict:
    return {
        "users": {u.id: (u.quota, u.used_quota, u.request_count) for u in User.select()},
        "tokens": {t.id: (t.remain_quota, t.used_quota) for t in Token.select()},
        "channels": {c.id: c.used_quota for c in Channel.select()},
    }


def _one_request(rng: random.Random, world: dict, tag: str) -> str:
    token_id, user_id, key, name, limited = rng.choice(world["tokens"])
    ctx = ledger.RelayContext(
        request_id=tag, user_id=user_id, username=f"user{user_id}", user_group="default", token_id=token_id,
        token_name=name, token_key=key, token_unlimited=not limited, channel_id=rng.choice(world["channels"]),
        channel_type=1, channel_model_configs=support.MODEL_CONFIGS, requested_model=support.MODEL,
        model=support.MODEL, is_stream=rng.random() < 0.5, started_at=time.time())
    try:
        res = ledger.reserve(ctx, rng.randint(0, 3000), rng.choice((None, 500, 4000)))
    except ledger.QuotaError:
        return "refused"
    kind = rng.random()
    if kind < 0.25:
        ledger.refund(res)  # upstream failed before answering
        return "refunded"
    if kind < 0.35:
        ledger.settle_quota(res, rng.randint(0, 30_000))  # an image
        return "media"
    cached = rng.randint(0, 500) if rng.random() < 0.3 else 0
    usage = ledger.Usage(rng.randint(cached, 3000), rng.randint(0, 2000), cached_tokens=cached,
                         estimated=rng.random() < 0.2)  # some streams were cut and counted locally
    ledger.settle(res, usage)
    return "settled"


def _storm(world: dict, seed: int, prefix: str) -> list[str]:
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        try:
            for i in range(OPS_PER_THREAD):
                outcomes.append(_one_request(rng, world, f"{prefix}{n:02d}{i:04d}"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            support.db.close_request_connections()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return outcomes


def _process_main(tdb: dbs.TestDatabase, world: dict, seed: int, prefix: str, results) -> None:
    support.open_database(tdb)
    try:
        results.put(_storm(world, seed, prefix))
    except BaseException as exc:
        results.put(repr(exc))
    finally:
        support.close_database()


def test_concurrent_settlements_keep_every_account_exact(shared_db):
    world = _seed_accounts()
    before = _snapshot()

    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_process_main, args=(shared_db, world, 100 + p, f"p{p}", results))
             for p in range(PROCESSES)]
    for p in procs:
        p.start()
    outcomes = _storm(world, 1, "m")  # this process joins in with its own threads
    collected = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    for item in collected:
        assert isinstance(item, list), item
        outcomes += item
    assert len(outcomes) == (PROCESSES + 1) * THREADS * OPS_PER_THREAD
    assert {"settled", "refunded", "media"} <= set(outcomes)

    after = _snapshot()
    logs = list(Log.select(Log.user_id, Log.token_name, Log.channel_id, Log.quota))
    assert len(logs) == outcomes.count("settled") + outcomes.count("media")
    for user_id in world["users"]:
        mine = [row.quota for row in logs if row.user_id == user_id]
        quota0, used0, count0 = before["users"][user_id]
        quota1, used1, count1 = after["users"][user_id]
        assert used1 - used0 == sum(mine), f"user {user_id} used_quota"
        assert quota0 - quota1 == sum(mine), f"user {user_id} quota"
        assert count1 - count0 == len(mine), f"user {user_id} request_count"
    for token_id, user_id, _key, name, limited in world["tokens"]:
        spent = sum(row.quota for row in logs if row.token_name == name)
        remain0, used0 = before["tokens"][token_id]
        remain1, used1 = after["tokens"][token_id]
        if limited:
            assert (used1 - used0, remain0 - remain1) == (spent, spent), f"token {name}"
        else:
            assert (remain1, used1) == (remain0, used0), f"unlimited token {name} was written"
    for channel_id in world["channels"]:
        spent = sum(row.quota for row in logs if row.channel_id == channel_id)
        assert after["channels"][channel_id] - before["channels"][channel_id] == spent
    assert sum(row.quota for row in logs) > 0


def test_concurrent_reservations_cannot_overdraw(shared_db):
    """40 requests race for a user who can pay for exactly 10 holds: exactly 10 get through."""
    ids = support.seed(user_quota=20_000)  # an estimate of 2000 each, never trusted
    granted, refused = [], []
    barrier = threading.Barrier(40)

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            granted.append(ledger.reserve(support.context(ids, f"race{n}"), 100, 400))
        except ledger.QuotaError as err:
            refused.append(err.code)
        finally:
            support.db.close_request_connections()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 10 and len(refused) == 30
    state = support.accounts(ids)
    assert state["user_quota"] == 0 and state["token_used"] == 20_000
    for res in granted:
        ledger.refund(res)
    state = support.accounts(ids)
    assert (state["user_quota"], state["token_remain"], state["token_used"]) == (20_000, 1_000_000, 0)
