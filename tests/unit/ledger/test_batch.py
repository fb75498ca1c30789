"""BATCH_UPDATE_ENABLED: counters wait in memory, are flushed on time and on shutdown, and nothing is lost."""
from __future__ import annotations

import pytest

from oneapi import lifecycle
from oneapi.billing import batch, ledger
from oneapi.services import scheduler
from tests.unit.ledger import support
from tests.unit.ledger.support import accounts, context, logs_of


@pytest.fixture
def ledger_env():
    return {"BATCH_UPDATE_ENABLED": "true", "BATCH_UPDATE_INTERVAL": "1"}


@pytest.fixture
def batch_db(ledger_db):
    support.User.update(quota=150_000).where(support.User.id == ledger_db["user"]).execute()
    return ledger_db


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


def test_shutdown_flushes_the_batch(batch_db, monkeypatch):
    monkeypatch.setattr(lifecycle, "_hooks", [])  # only what this test registers runs at "shutdown"
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
