"""LEDGER_WRITE_BEHIND: settlement, consume logs and cost rows leave the request path; one flush writes them."""
from __future__ import annotations

import pytest

from oneapi.billing import accounts as billing_accounts
from oneapi.billing import batch, ledger
from tests.unit.ledger import support
from tests.unit.ledger.support import accounts, context, cost_of, logs_of


@pytest.fixture
def ledger_env():
    return {"LEDGER_WRITE_BEHIND": "true"}


@pytest.fixture
def wb_db(ledger_db, monkeypatch):
    monkeypatch.setattr(batch, "_flusher_started", True)  # as if the flusher ran; the tests flush themselves
    monkeypatch.setattr(billing_accounts, "await_written", lambda timeout=5.0: None)
    support.User.update(quota=150_000).where(support.User.id == ledger_db["user"]).execute()
    return ledger_db


def test_nothing_is_written_until_the_flush_and_then_everything_is(wb_db):
    before = accounts(wb_db)
    for i in range(3):
        res = ledger.reserve(context(wb_db, f"wb-{i}"), 100, 400)
        assert ledger.settle(res, ledger.Usage(100, 50)) == 500
    assert accounts(wb_db) == before
    assert logs_of("wb-0") == [] and cost_of("wb-0") is None

    assert batch.flush() == 3  # the user, token and channel rows, each aggregated into one UPDATE
    after = accounts(wb_db)
    assert (after["user_quota"], after["user_used"], after["requests"]) == (150_000 - 1500, 1500, 3)
    assert (after["token_remain"], after["token_used"], after["channel_used"]) == (1_000_000 - 1500, 1500, 1500)
    assert [logs_of(f"wb-{i}")[0].quota for i in range(3)] == [500, 500, 500]
    assert cost_of("wb-1") == 500  # the estimate queued at reservation was replaced by the final quota
    assert batch.is_empty() and batch.flush() == 0


def test_admission_counts_what_is_queued(wb_db):
    support.User.update(quota=3000).where(support.User.id == wb_db["user"]).execute()
    first = ledger.reserve(context(wb_db, "wb-a"), 100, 400)  # holds 2000, only in memory
    assert first.reserved == 2000
    with pytest.raises(ledger.QuotaError):
        ledger.reserve(context(wb_db, "wb-b"), 100, 400)
    ledger.refund(first)
    batch.flush()
    assert accounts(wb_db)["user_quota"] == 3000 and cost_of("wb-a") == 0


def test_a_failed_flush_keeps_everything(wb_db, monkeypatch):
    res = ledger.reserve(context(wb_db, "wb-f"), 100, 400)
    ledger.settle(res, ledger.Usage(100, 50))
    before = accounts(wb_db)

    def broken(*_a, **_k):
        raise RuntimeError("database went away")

    insert_logs = batch._insert_logs
    monkeypatch.setattr(batch, "_insert_logs", broken)
    assert batch.flush() == 0
    assert accounts(wb_db) == before and logs_of("wb-f") == []  # rolled back as one unit
    monkeypatch.setattr(batch, "_insert_logs", insert_logs)
    assert batch.flush() == 3
    assert accounts(wb_db)["user_used"] == 500 and logs_of("wb-f")[0].quota == 500 and cost_of("wb-f") == 500


def test_a_settlement_flushed_after_its_reservation_overwrites_the_cost_row(wb_db):
    res = ledger.reserve(context(wb_db, "wb-two"), 100, 400)
    other = ledger.reserve(context(wb_db, "wb-other"), 100, 400)
    batch.flush()
    assert cost_of("wb-two") == 2000  # the provisional estimate
    ledger.settle(res, ledger.Usage(100, 50))
    ledger.settle(other, ledger.Usage(10, 0))
    batch.flush()
    assert (cost_of("wb-two"), cost_of("wb-other")) == (500, 20)
    assert accounts(wb_db)["user_used"] == 520


def test_balances_remembered_for_admission_are_forgotten_by_each_flush(wb_db):
    support.User.update(quota=3000).where(support.User.id == wb_db["user"]).execute()
    ledger.reserve(context(wb_db, "wb-r1"), 100, 400)  # remembers 3000 from the database, holds 2000
    batch.flush()  # the database now says 1000 and nothing is pending
    with pytest.raises(ledger.QuotaError):  # a remembered 3000 would let this one overspend
        ledger.reserve(context(wb_db, "wb-r2"), 100, 400)


def test_without_a_running_flusher_the_ledger_writes_at_once(ledger_db):
    """No background jobs (a script, a test app) means nobody would write the queue: settle synchronously."""
    res = ledger.reserve(context(ledger_db, "wb-sync"), 100, 400)
    ledger.settle(res, ledger.Usage(100, 50))
    assert logs_of("wb-sync")[0].quota == 500 and cost_of("wb-sync") == 500 and batch.is_empty()


def test_the_flusher_writes_each_change_as_it_comes_and_reads_see_it(wb_db, monkeypatch):
    import time

    from oneapi.services import scheduler
    monkeypatch.setattr(batch, "_flusher_started", False)
    woken = []
    monkeypatch.setattr(scheduler, "on_demand", lambda wake, job, name, spacing: woken.append((wake, job, spacing)))
    batch.start_flusher(0.01)
    (wake, job, spacing), = woken
    assert job is batch.flush and spacing == 0.01 and batch.flusher_running()
    res = ledger.reserve(context(wb_db, "wb-gc"), 100, 400)
    assert wake.is_set()  # the queued change woke the flusher: it does not wait for a timer
    ledger.settle(res, ledger.Usage(100, 50))
    assert logs_of("wb-gc") == []
    batch.flush_for_read()  # what an API read does first
    assert logs_of("wb-gc")[0].quota == 500 and cost_of("wb-gc") == 500 and batch.is_empty()


def test_on_demand_jobs_run_at_once_and_coalesce_signals_that_arrive_while_running():
    import threading
    import time

    from oneapi.services import scheduler
    wake, runs, release = threading.Event(), [], threading.Event()

    def job():
        runs.append(time.monotonic())
        release.wait(2)

    scheduler.on_demand(wake, job, "test-on-demand", 0.0)
    signalled = time.monotonic()
    wake.set()
    deadline = time.monotonic() + 2
    while not runs and time.monotonic() < deadline:
        time.sleep(0.005)
    assert runs and runs[0] - signalled < 0.5  # served at once, not after a polling interval
    for _ in range(5):  # signals during a run: one more run serves them all
        wake.set()
    release.set()
    time.sleep(0.3)
    assert len(runs) == 2


def test_a_ticket_taken_after_a_flush_took_the_rows_follows_that_flush(wb_db, monkeypatch):
    """With real threads a flush may take a request's rows before the request asks for its ticket: the
    ticket must follow that flush, not wait for a next one that may never come."""
    import threading
    res = ledger.reserve(context(wb_db, "wb-t"), 100, 400)
    ledger.settle(res, ledger.Usage(100, 50))
    release, started = threading.Event(), threading.Event()
    write_row = batch._write_row

    def slow_write(*args):
        started.set()
        release.wait(2)
        write_row(*args)

    monkeypatch.setattr(batch, "_write_row", slow_write)
    flusher = threading.Thread(target=batch.flush)
    flusher.start()
    assert started.wait(2)
    ticket = batch.ticket()  # nothing is queued: the rows are in the running flush
    assert not ticket.is_set()
    release.set()
    assert ticket.wait(2)
    flusher.join()
    assert logs_of("wb-t")[0].quota == 500 and batch.ticket().is_set()
