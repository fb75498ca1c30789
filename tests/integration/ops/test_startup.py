"""Gateways starting together on a brand-new database: one migration at a time, one root account, no failed boot."""
from __future__ import annotations

import pytest

from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql"])
def test_instances_start_together_on_a_new_shared_database(dialect, tmp_path):
    """Two master instances at once on one new database: each gunicorn master migrates
    before forking (no worker race), and the migration lock lets one instance migrate at a time."""
    import threading
    tdb = dbs.create(dialect, tmp_path)
    try:
        env = gateway_env(tdb, RATE_LIMIT_DISABLED="true")
        workers = 2 if dialect == "sqlite" else 1  # the worker race once; the instance race on every dialect
        servers = [GatewayServer(env, workers=workers, log_path=str(tmp_path / f"gateway{i}.log")) for i in range(2)]
        errors = []

        def start(server):
            try:
                server.start()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(s,)) for s in servers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for server in servers:
            server.stop()
        logs = "".join((tmp_path / f"gateway{i}.log").read_text(errors="replace") for i in range(2))
        assert not errors, logs[-3000:]
        assert "preparing the database before the workers start failed" not in logs, logs[-3000:]
        assert "Worker failed to boot" not in logs
        assert logs.count("created the root account") == 1
        assert dbs.raw_query(tdb, "SELECT count(*) FROM users") == [(1,)]
    finally:
        dbs.drop(tdb)


def test_the_date_header_follows_the_clock(tmp_path):
    """gunicorn's Date header is formatted once a second (gunicorn.conf.py), never stale."""
    import email.utils
    import time

    import requests
    tdb = dbs.create("sqlite", tmp_path)
    try:
        with GatewayServer(gateway_env(tdb)) as server:
            seen = []
            for _ in range(3):
                date = requests.get(server.url + "/api/status", timeout=5).headers["Date"]
                seen.append(email.utils.parsedate_to_datetime(date).timestamp())
                assert abs(seen[-1] - time.time()) <= 2
                time.sleep(0.6)
            assert seen[-1] > seen[0]
    finally:
        dbs.drop(tdb)
