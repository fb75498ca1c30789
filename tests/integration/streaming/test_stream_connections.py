"""A stream holds no pooled database connection while it relays: 50 concurrent slow streams through one
worker with SQL_MAX_OPEN_CONNS=5 on PostgreSQL all complete, and each is billed once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.relay.stub_upstream import StubUpstream
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

ROOT_KEY = "WrEDFbchfWe6cOBt21De92E15884505f62F71c9fD5Ad4b80"  # the original fixture's unlimited token
STREAMS = 50


@pytest.fixture()
def world(tmp_path):
    tdb = dbs.create("postgres", tmp_path)
    dbs.load_original_fixture(tdb)
    stub = StubUpstream()
    stub.events, stub.event_delay = 6, 0.3  # each stream lasts ~2 s: all 50 overlap
    import psycopg2
    conn = psycopg2.connect(host=dbs.PG_HOST, port=dbs.PG_PORT, user=dbs.PG_USER, dbname=tdb.name)
    with conn, conn.cursor() as cur:
        cur.execute("UPDATE channels SET base_url = %s WHERE id = 1", (stub.base("slow"),))
    conn.close()
    server = GatewayServer(gateway_env(tdb, SQL_MAX_OPEN_CONNS="5", GLOBAL_RELAY_RATE_LIMIT="0",
                                       RATE_LIMIT_DISABLED="true", SHUTDOWN_TIMEOUT="20"),
                           log_path=str(tmp_path / "gateway.log"))
    server.start()
    yield tdb, server, stub
    server.stop()
    stub.stop()
    dbs.drop(tdb)


def _stream(url: str) -> tuple[int, str, bytes]:
    body = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hello there"}]}
    with requests.post(url + "/v1/chat/completions", json=body, stream=True, timeout=60,
                       headers={"Authorization": "Bearer sk-" + ROOT_KEY}) as resp:
        return resp.status_code, resp.headers.get("X-Oneapi-Request-Id", ""), resp.content


def test_fifty_streams_share_five_connections(world):
    tdb, server, stub = world
    last_log = dbs.raw_query(tdb, "SELECT COALESCE(MAX(id), 0) FROM logs")[0][0]
    with ThreadPoolExecutor(STREAMS) as pool:
        results = list(pool.map(lambda _: _stream(server.url), range(STREAMS)))
    assert [r[0] for r in results] == [200] * STREAMS
    assert all(r[2].rstrip().endswith(b"data: [DONE]") for r in results), [r[2][-200:] for r in results][:3]
    assert len(stub.records) == STREAMS
    server.stop()  # a write-behind ledger flushes on shutdown
    rows = dbs.raw_query(tdb, f"SELECT request_id, quota FROM logs WHERE type = 2 AND id > {last_log}")
    assert sorted(r[0] for r in rows) == sorted(r[1] for r in results)  # each stream billed exactly once
    assert all(r[1] > 0 for r in rows)
