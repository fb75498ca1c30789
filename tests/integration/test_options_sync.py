"""An option saved through one gunicorn worker reaches the other workers without Redis, within seconds."""
from __future__ import annotations

import time

import requests

from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

ACCESS = "a" * 32


def _values_seen(url: str, key: str, tries: int = 24) -> set[str]:
    seen = set()
    for _ in range(tries):  # a new connection each time, so the requests spread over the workers
        with requests.Session() as s:
            rows = s.get(url + "/api/option/", headers={"Authorization": ACCESS}, timeout=5).json()["data"]
        seen.add(next(r["value"] for r in rows if r["key"] == key))
    return seen


def test_option_change_reaches_every_worker(tmp_path):
    tdb = dbs.create("sqlite", tmp_path)
    env = gateway_env(tdb, INITIAL_ROOT_ACCESS_TOKEN=ACCESS, RATE_LIMIT_DISABLED="true")
    with GatewayServer(env, workers=3, log_path=str(tmp_path / "gw.log")) as gw:
        assert _values_seen(gw.url, "RetryTimes") == {"0"}
        r = requests.put(gw.url + "/api/option/", json={"key": "RetryTimes", "value": "3"},
                         headers={"Authorization": ACCESS}, timeout=5).json()
        assert r["success"], r
        deadline = time.time() + 30  # the refresh runs every 10 s; a loaded CI machine may lag
        seen = set()
        while time.time() < deadline:
            seen = _values_seen(gw.url, "RetryTimes") | _values_seen(gw.url, "RetryTimes")
            if seen == {"3"}:  # two samples in a row from every worker reached agree
                break
            time.sleep(1)
        assert seen == {"3"}
