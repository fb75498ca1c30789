"""A real gunicorn gateway on a copy of the original fixture database, its channel 1 pointing at a stub upstream."""
from __future__ import annotations

import sqlite3

from tests.integration.relay.stub_upstream import StubUpstream
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

ROOT_KEY = "WrEDFbchfWe6cOBt21De92E15884505f62F71c9fD5Ad4b80"  # the original fixture's unlimited token


def start_world(tmp, **env):
    """Start (database, server, stub); the caller stops the server and the stub."""
    tdb = dbs.create("sqlite", tmp)
    dbs.load_original_fixture(tdb)
    stub = StubUpstream()
    conn = sqlite3.connect(tdb.sqlite_path)
    conn.execute("UPDATE channels SET base_url = ? WHERE id = 1", (stub.base("c1"),))
    conn.commit()
    conn.close()
    server = GatewayServer(gateway_env(tdb, RATE_LIMIT_DISABLED="true", GLOBAL_RELAY_RATE_LIMIT="0", **env),
                           log_path=str(tmp / "gateway.log"))
    server.start()
    return tdb, server, stub
