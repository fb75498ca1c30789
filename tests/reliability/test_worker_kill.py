"""A gunicorn worker killed with SIGKILL under load (2 workers, slow concurrent streams).

A killed worker cannot settle or refund the requests it held: their reservations stay taken. The test bounds
that leak exactly: every quota unit that left the user and the token is explained either by a consume log row
(an answered request) or by the reservation of a request that never ended, visible as its ``user_request_costs``
row still holding the estimate with no log row. Those requests are at most the ones the clients saw broken,
channels are charged only for logged requests, and the gateway keeps serving with the restarted worker.
"""
from __future__ import annotations

import os
import signal
import time

import pytest

from tests.emulator.fixtures import emulator_fixture
from tests.reliability import world
from tests.reliability.load import Load
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

MODEL = "rel-kill-model"


emu = emulator_fixture(scope="function")


def _workers(master_pid: int) -> list[int]:
    with open(f"/proc/{master_pid}/task/{master_pid}/children") as f:
        return [int(p) for p in f.read().split()]


def _sockets(pid: int) -> int:
    """Open sockets of a worker: clients being served plus their upstream connections."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


def _complete(outcome) -> bool:
    return outcome.status == 200 and outcome.body.rstrip().endswith("data: [DONE]")


def test_sigkill_leaks_only_the_reservations_of_the_requests_the_worker_held(emu, tmp_path):
    if not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"):
        pytest.skip("needs Linux /proc to find gunicorn's workers")
    tdb = dbs.create("sqlite", tmp_path)
    dbs.load_original_fixture(tdb)
    db = world.Db(tdb)
    world.prepare(db)
    world.add_channel(db, 601, emu.scenario_url("delay=250"), MODEL)  # each stream lasts about two seconds
    before = world.snapshot(db)
    env = gateway_env(tdb, GLOBAL_RELAY_RATE_LIMIT="0", SYNC_FREQUENCY="60", SHUTDOWN_TIMEOUT="10")
    gateway = GatewayServer(env, workers=2, log_path=str(tmp_path / "gateway.log")).start()
    load = Load(gateway.url, world.ADMIN_KEY, MODEL, concurrency=8, stream_every=1, timeout=20).start()
    try:
        time.sleep(2.5)  # streams are in flight on both workers
        workers = _workers(gateway.proc.pid)
        assert len(workers) == 2, workers
        victim = max(workers, key=_sockets)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.time()
        deadline = time.time() + 15  # gunicorn replaces the worker; the load goes on
        while time.time() < deadline and not (
                len(_workers(gateway.proc.pid)) == 2 and victim not in _workers(gateway.proc.pid)
                and sum(_complete(o) for o in load.since(killed_at + 1)) >= 8):
            time.sleep(0.2)
        outcomes = load.stop()
    finally:
        load.stop()
        gateway.stop()

    broken = [o for o in outcomes if not _complete(o)]
    assert broken, "the killed worker held requests (else this test proves nothing)"
    assert all(o.started < killed_at for o in broken), "only requests in flight at the kill may break"
    assert sum(_complete(o) for o in outcomes if o.started > killed_at + 1) >= 8, "serving went on"

    rows = world.consume_rows(db, before["last_log"])
    assert {o.request_id for o in outcomes if _complete(o)} <= set(rows)
    costs = world.costs(db)  # the gateway created the table at start: every row is from this test
    logged = {rid[:32] for rid in rows}
    stale = {rid: quota for rid, quota in costs.items() if rid not in logged and quota > 0}
    assert 0 < len(stale) <= len(broken), (len(stale), len(broken))
    assert {rid for rid in stale} <= {o.request_id[:32] for o in broken if o.request_id} | set(stale), stale

    after = world.snapshot(db)
    spent = sum(r[3] for r in rows.values())
    leaked = sum(stale.values())
    quota0, used0, count0 = before["users"][world.USER_ID]
    quota1, used1, count1 = after["users"][world.USER_ID]
    assert (used1 - used0, count1 - count0) == (spent, len(rows)), "used quota counts settled requests only"
    assert quota0 - quota1 == spent + leaked, "the balance lost exactly the logged charges plus open reservations"
    remain0, tused0 = before["tokens"][world.TOKEN_ID]
    remain1, tused1 = after["tokens"][world.TOKEN_ID]
    assert (remain0 - remain1, tused1 - tused0) == (spent + leaked, spent + leaked)
    assert after["channels"][601] - before["channels"].get(601, 0) == spent
