"""Several gunicorn workers starting on a brand-new database: one migration, one root account, no failed boot."""
from __future__ import annotations

import pytest

from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_workers_start_together_on_a_new_database(dialect, tmp_path):
    tdb = dbs.create(dialect, tmp_path)
    try:
        log_path = tmp_path / "gateway.log"
        env = gateway_env(tdb, RATE_LIMIT_DISABLED="true")
        with GatewayServer(env, workers=3, log_path=str(log_path)):
            pass
        log = log_path.read_text(errors="replace")
        assert log.count("created the root account") == 1, log[-3000:]
        assert "Worker failed to boot" not in log
        assert dbs.raw_query(tdb, "SELECT count(*) FROM users") == [(1,)]
    finally:
        dbs.drop(tdb)
