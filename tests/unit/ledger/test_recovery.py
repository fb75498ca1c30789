"""A quota write that fails (database briefly unreachable) is kept in memory and written by the next flush."""
from __future__ import annotations

import peewee

from oneapi.billing import accounts as accounts_module
from oneapi.billing import batch, ledger
from tests.unit.ledger.support import accounts, context, logs_of


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
