"""BATCH_UPDATE_ENABLED: counters wait in memory, are flushed on time and on shutdown, and nothing is lost."""
from __future__ import annotations

import peewee
import pytest

from oneapi import lifecycle
from oneapi.billing import accounts as accounts_module
from oneapi.billing import batch, ledger
from oneapi.services import scheduler
from tests.unit.ledger import support
from tests.unit.ledger.support import accounts, context, logs_of


@pytest.fixture
def batch_db(empty_db, monkeypatch):
    from oneapi import config
    monkeypatch.setattr(config, "settings", config.settings)
    support.open_database(empty_db, BATCH_UPDATE_ENABLED="true", BATCH_UPDATE_INTERVAL="1")
    ids = support.seed(user_quota=150_000)
    yield ids
    batch.reset_for_tests()
    support.close_database()


def test_batched_settlement_is_written_by_flush(batch_db):
    before = accounts(batch_db)
    res = ledger.reserve(context(batch_db, "b-1"), 100, 400)
    assert res.reserved == 2000
    assert ledger.settle(res, ledger.Usage(100, 50)) == 500
    assert accounts(batch_db) == before  # nothing written yet ...
    assert logs_of("b-1")[0].quota == 500  # ... except the log row, which is written at once

    assert batch.flush() == 3  # one UPDATE for each of user, token and channel
    after = accounts(batch_db)
    assert (after["user_quota"], after["user_used"], after["requests"]) == (149_500, 500, 1)
    assert (after["token_remain"], after["token_used"], after["channel_used"]) == (999_500, 500, 500)
    assert batch.flush() == 0


def test_reservations_see_what_is_still_pending(batch_db):
    support.User.update(quota=3000).where(support.User.id == batch_db["user"]).execute()
    first = ledger.reserve(context(batch_db, "b-2"), 100, 400)  # holds 2000 in memory
    assert first.reserved == 2000
    with pytest.raises(ledger.QuotaError) as err:
        ledger.reserve(context(batch_db, "b-3"), 100, 400)  # 3000 - 2000 pending < 2000
    assert err.value.code == "insufficient_user_quota"


def test_shutdown_flushes_the_batch(batch_db):
    for i in range(5):
        res = ledger.reserve(context(batch_db, f"b-s{i}"), 100, 400)
        ledger.settle(res, ledger.Usage(100, 50))
    try:
        lifecycle.shutdown()
    finally:
        scheduler._stop.clear()  # let later tests schedule jobs again
    after = accounts(batch_db)
    assert (after["user_quota"], after["user_used"], after["requests"]) == (150_000 - 2500, 2500, 5)
    assert (after["token_remain"], after["token_used"], after["channel_used"]) == (1_000_000 - 2500, 2500, 2500)
    assert batch.is_empty()


def test_a_failed_direct_write_is_kept_and_written_later(ledger_db, monkeypatch):
    real_apply = accounts_module._apply
    calls = {"n": 0}

    def flaky_apply(m, now):
        calls["n"] += 1
        if calls["n"] == 1:
            raise peewee.OperationalError("server has gone away")
        real_apply(m, now)

    monkeypatch.setattr(accounts_module, "_apply", flaky_apply)
    before = accounts(ledger_db)
    res = ledger.reserve(context(ledger_db, "b-flaky", limited=False), 100, 50)
    assert ledger.settle(res, ledger.Usage(100, 50)) == 500
    assert accounts(ledger_db) == before and logs_of("b-flaky") == []  # the transaction was rolled back
    assert not batch.is_empty()

    batch.flush()
    after = accounts(ledger_db)
    assert (after["user_quota"], after["user_used"], after["channel_used"]) == (
        before["user_quota"] - 500, 500, 500)
    assert [row.quota for row in logs_of("b-flaky")] == [500]
    assert batch.is_empty()
