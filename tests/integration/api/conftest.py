"""Helpers for the management API tests: callers by name (fixture users' access tokens) and JSON calls."""
from __future__ import annotations

import pytest

from tests.support import dbs
from tests.support.app import make_app

# Access tokens of the fixture users (../shared/fixtures/README.md).
ACCESS_TOKENS = {
    "root": "aba5b28ef9d01bc4e2c22ae3ae9dbc6c",
    "admin": "72a5a8c52880cf0629fc8dddd27e1782",
    "alice": "43abcaa6b5087807d23d393b6cca441a",
    "bob": "4df2497ab052e1f425c750a6ef88d4c3",
}
PASSWORDS = {"root": "123456", "admin": "AdminPass123", "alice": "AlicePass123", "bob": "BobPass12345"}


def call(client, method: str, path: str, who: str | None = None, **kwargs):
    """Send a request as fixture user ``who`` (by access token); return (status, parsed JSON or None)."""
    headers = dict(kwargs.pop("headers", {}) or {})
    if who is not None:
        headers["Authorization"] = ACCESS_TOKENS.get(who, who)
    resp = client.open(path, method=method.upper(), headers=headers, **kwargs)
    return resp.status_code, resp.get_json(silent=True)


def ok_data(client, method: str, path: str, who: str | None = None, **kwargs):
    """Like ``call`` but asserts HTTP 200 and success, and returns ``data``."""
    status, body = call(client, method, path, who, **kwargs)
    assert status == 200, (status, body)
    assert body and body["success"] is True, body
    return body.get("data")


def failure(client, method: str, path: str, who: str | None = None, **kwargs) -> str:
    """Asserts HTTP 200 with success false (the original's logical error) and returns the message."""
    status, body = call(client, method, path, who, **kwargs)
    assert status == 200, (status, body)
    assert body and body["success"] is False, body
    assert body["message"], body
    return body["message"]


@pytest.fixture
def sqlite_original(tmp_path):
    """The original fixture database on SQLite only, for rules that do not depend on the SQL dialect."""
    tdb = dbs.create("sqlite", tmp_path)
    dbs.load_original_fixture(tdb)
    return tdb


@pytest.fixture
def sqlite_client(sqlite_original):
    return make_app(sqlite_original).test_client()


def raw_execute(tdb, sql: str) -> None:
    """Run a writing statement on ``tdb`` with the plain driver and commit it."""
    if tdb.dialect == "sqlite":
        import sqlite3
        conn = sqlite3.connect(tdb.sqlite_path)
        with conn:
            conn.execute(sql)
        conn.close()
    elif tdb.dialect == "postgres":
        import psycopg2
        conn = psycopg2.connect(host=dbs.PG_HOST, port=dbs.PG_PORT, user=dbs.PG_USER, dbname=tdb.name)
        with conn, conn.cursor() as cur:
            cur.execute(sql)
        conn.close()
    else:
        conn = dbs._mysql_admin(tdb.name)
        with conn.cursor() as cur:
            cur.execute(sql)
        conn.close()
