"""The database restarted under load (a private PostgreSQL as SQL_DSN, the real gunicorn gateway).

While the database is down, requests fail fast with a clear error instead of hanging; once it is back they
succeed again by themselves, without restarting the gateway (pooled connections that died are discarded).
Afterwards every answered request is billed exactly once and no failed one is billed.
"""
from __future__ import annotations

import json
import time

import pytest

from tests.emulator.fixtures import emulator_fixture
from tests.reliability import world
from tests.reliability.load import Load
from tests.reliability.private_services import PrivatePostgres
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer
from tests.support.waiting import wait_for

MODEL = "rel-db-model"
FAIL_FAST_SECONDS = 5.0  # an answer during the outage comes within this, not after a long timeout
RECOVERY_SECONDS = 15.0


@pytest.fixture
def pg():
    server = PrivatePostgres().start()
    yield server
    server.destroy()


emu = emulator_fixture(scope="function")


def _load_fixture(pg: PrivatePostgres, name: str) -> world.Db:
    pg.create_database(name)
    conn = pg.connect(name)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute((dbs.SHARED_FIXTURES / "oneapi-original.postgres.sql").read_text(encoding="utf-8"))
    conn.close()
    return world.Db(dbs.TestDatabase("postgres", name, pg.dsn(name)), connect=lambda: pg.connect(name))


def test_requests_fail_fast_while_the_database_is_down_and_recover_after(pg, emu, tmp_path):
    db = _load_fixture(pg, "oneapi")
    world.prepare(db)
    world.add_channel(db, 401, emu.url, MODEL)
    before = world.snapshot(db)
    env = gateway_env(db.tdb, GLOBAL_RELAY_RATE_LIMIT="0", SYNC_FREQUENCY="60", SQL_MAX_OPEN_CONNS="10",
                      BATCH_UPDATE_INTERVAL="1")
    gateway = GatewayServer(env, workers=1, log_path=str(tmp_path / "gateway.log")).start()
    load = Load(gateway.url, world.ADMIN_KEY, MODEL, concurrency=4, stream_every=3).start()
    try:
        assert wait_for(lambda: sum(o.status == 200 for o in load.outcomes) >= 12, 15), \
            [o.body[:200] for o in load.outcomes[-3:]]

        pg.stop("fast")  # ends every session, as a restart or failover of the database does
        down = time.time()
        time.sleep(4)
        pg.start()
        up = time.time()

        outage = load.between(down, up)
        assert len(outage) >= 4, "the load kept going during the outage"
        slow = [o for o in outage if o.elapsed > FAIL_FAST_SECONDS]
        assert not slow, f"{len(slow)} requests hung during the outage (longest {max(o.elapsed for o in slow):.1f}s)"
        failed = [o for o in outage if o.status != 200]
        assert failed, "with the database down, requests cannot be billed and must fail"
        for o in failed:
            assert o.status >= 500, (o.status, o.body[:300])
            assert json.loads(o.body)["error"]["message"], o.body[:300]

        # back by itself: after a short settling moment, every request succeeds again
        assert wait_for(lambda: [o.status for o in load.since(up)][-8:] == [200] * 8, RECOVERY_SECONDS), \
            [(o.status, o.body[:200]) for o in load.since(up)][-5:]
        recovered_at = next(o.started for o in load.since(up) if o.status == 200)
        time.sleep(2)
        outcomes = load.stop()

        # a restart while the gateway is idle: every pooled connection is dead, and none may reach a request
        pg.stop("fast")
        pg.start()
        quiet = Load(gateway.url, world.ADMIN_KEY, MODEL, concurrency=3, stream_every=2).start()
        assert wait_for(lambda: len(quiet.outcomes) >= 12, 15)
        after_quiet_restart = quiet.stop()
        assert [o.status for o in after_quiet_restart] == [200] * len(after_quiet_restart), \
            [(o.status, o.body[:200]) for o in after_quiet_restart if o.status != 200][:3]
        outcomes += after_quiet_restart
    finally:
        load.stop()
        gateway.stop()  # a graceful stop flushes quota movements kept while the database was unwritable

    after_up = [o for o in outcomes if o.started >= recovered_at]
    assert after_up and all(o.status == 200 for o in after_up), \
        [(o.status, o.body[:200]) for o in after_up if o.status != 200][:3]

    answered = {o.request_id for o in outcomes if o.status == 200}
    rows = world.consume_rows(db, before["last_log"])
    assert set(rows) == answered, (
        f"{len(answered - set(rows))} answered requests unbilled, {len(set(rows) - answered)} failed ones billed")
    world.assert_ledger_explained(db, before, world.snapshot(db), rows)
    costs = world.costs(db)
    for o in outcomes:
        if o.status != 200 and o.request_id:
            assert costs.get(o.request_id[:32], 0) == 0, o.body[:200]



def test_stream_that_outlives_the_database_is_billed_once_it_returns(pg, emu, tmp_path):
    """Streams under way when the database goes away: the clients get all of them, and their charges and log
    rows, kept in memory while the database cannot be written, land exactly once after it returns."""
    db = _load_fixture(pg, "oneapi")
    world.prepare(db)
    world.add_channel(db, 402, emu.scenario_url("delay=300"), MODEL)  # about three seconds of events
    before = world.snapshot(db)
    env = gateway_env(db.tdb, GLOBAL_RELAY_RATE_LIMIT="0", SYNC_FREQUENCY="60", BATCH_UPDATE_INTERVAL="1")
    gateway = GatewayServer(env, workers=1, log_path=str(tmp_path / "gateway.log")).start()
    load = Load(gateway.url, world.ADMIN_KEY, MODEL, concurrency=2, stream_every=1)
    try:
        load.start()
        time.sleep(0.8)  # both streams are under way: reserved, headers sent
        stopped_at = time.time()
        pg.stop("fast")
        time.sleep(1.5)
        outcomes = load.stop()  # waits for the streams in flight to end, with the database still down
        pg.start()
        time.sleep(2.5)  # the periodic flush (every second) writes what was kept
    finally:
        load.stop()
        gateway.stop()
    in_flight = [o for o in outcomes if o.started < stopped_at]
    assert len(in_flight) == 2 and all(o.status == 200 and o.body.rstrip().endswith("data: [DONE]")
                                       for o in in_flight), [(o.status, o.body[-200:]) for o in in_flight]
    rows = world.consume_rows(db, before["last_log"])
    assert set(rows) == {o.request_id for o in outcomes if o.status == 200}
    assert {o.request_id for o in in_flight} <= set(rows)
    world.assert_ledger_explained(db, before, world.snapshot(db), rows)
