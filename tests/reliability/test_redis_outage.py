"""Redis down (a private redis-server as REDIS_CONN_STRING, the real gunicorn gateway).

Redis only holds caches and rate-limit counters, so while it is away the gateway keeps serving from the
database: token and user lookups read the database, routing keeps working, rate limits fail open. When Redis
returns, the gateway uses it again by itself.
"""
from __future__ import annotations

import time

import pytest
import requests

from tests.emulator.fixtures import emulator_fixture
from tests.reliability import world
from tests.reliability.load import Load
from tests.reliability.private_services import PrivateRedis
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer
from tests.support.waiting import wait_for

MODEL = "rel-redis-model"
SLOW_SECONDS = 3.0


@pytest.fixture
def redis_server():
    server = PrivateRedis().start()
    yield server
    server.stop()


emu = emulator_fixture(scope="function")


def _keys(redis_server: PrivateRedis) -> list[str]:
    import redis
    return [k.decode() for k in redis.Redis(port=redis_server.port, socket_connect_timeout=1).keys("*")]


def _in_use(redis_server: PrivateRedis) -> bool:
    """Rows cached and relay rate-limit counters kept in Redis (settlements invalidate cached rows, so any)."""
    keys = _keys(redis_server)
    return any(k.startswith("rateLimit:GR") for k in keys) and any(k.startswith(("token:", "user_")) for k in keys)


def test_gateway_serves_from_the_database_while_redis_is_down(redis_server, emu, tmp_path):
    tdb = dbs.create("sqlite", tmp_path)
    dbs.load_original_fixture(tdb)
    db = world.Db(tdb)
    world.prepare(db)
    world.add_channel(db, 501, emu.url, MODEL)
    before = world.snapshot(db)
    # rate limits on and counted in Redis, high enough never to refuse this load
    env = gateway_env(tdb, REDIS_CONN_STRING=redis_server.url, SYNC_FREQUENCY="60",
                      GLOBAL_RELAY_RATE_LIMIT="100000", GLOBAL_API_RATE_LIMIT="100000",
                      GLOBAL_WEB_RATE_LIMIT="100000",
                      SHUTDOWN_TIMEOUT="3")  # nothing is in flight when it stops
    gateway = GatewayServer(env, workers=2, log_path=str(tmp_path / "gateway.log")).start()
    load = Load(gateway.url, world.ADMIN_KEY, MODEL, concurrency=4, stream_every=3, timeout=15).start()
    try:
        assert wait_for(lambda: sum(o.status == 200 for o in load.outcomes) >= 12, 15), \
            [o.body[:200] for o in load.outcomes[-3:]]
        assert wait_for(lambda: _in_use(redis_server), 5), _keys(redis_server)

        redis_server.stop()
        down = time.time()
        time.sleep(3)
        status = requests.get(gateway.url + "/api/status", timeout=10)
        assert status.status_code == 200 and status.json()["success"] is True
        redis_server.start()  # same port, empty: nothing persisted
        up = time.time()

        outage = load.between(down, up)
        assert len(outage) >= 8, "the load kept going during the outage"
        assert [o.status for o in outage] == [200] * len(outage), \
            [(o.status, o.body[:200]) for o in outage if o.status != 200][:3]
        assert max(o.elapsed for o in outage) < SLOW_SECONDS, "a Redis outage must not stall requests"

        # Redis is used again by itself: rows cached and requests counted anew
        assert wait_for(lambda: _in_use(redis_server), 15), _keys(redis_server)
        time.sleep(1)
    finally:
        outcomes = load.stop()
        gateway.stop()

    after_up = [o for o in outcomes if o.started >= up]
    assert after_up and all(o.status == 200 for o in after_up), \
        [(o.status, o.body[:200]) for o in after_up if o.status != 200][:3]
    log_text = (tmp_path / "gateway.log").read_text(errors="replace")
    assert log_text.count("Traceback") < 10, "a Redis outage must not flood the log with a trace per lookup"
    assert world.ADMIN_KEY not in log_text

    rows = world.consume_rows(db, before["last_log"])
    assert set(rows) == {o.request_id for o in outcomes if o.status == 200}
    world.assert_ledger_explained(db, before, world.snapshot(db), rows)
