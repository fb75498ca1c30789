"""Shared pieces of the fault-injection tests: a fixture database with extra channels, ledger snapshots and the
ledger check (every quota movement is explained by the consume log rows of the requests that were answered).

The database is the original One API fixture. The user ``admin`` (id 2) and its limited token ``admin-ops``
(id 2) hold less than 100 times a request's estimate (PreConsumedQuota is raised for that), so every request
really reserves quota: a user holding more is "trusted" and reserves nothing, which would hide a leak.
"""
from __future__ import annotations

import json
import sqlite3

from tests.support import dbs

ADMIN_KEY = "HKB8B7a0zi90oEOP6f1931Ff6817Bd1f2aF8309b64A954Ca"  # user 2, token 2 (limited)
USER_ID, TOKEN_ID = 2, 2
PRE_CONSUMED_QUOTA = 20_000  # estimate = (this + prompt + max_tokens) x 1.25 for gpt-4o: about 25k
BALANCE = 2_000_000  # < 100 x the estimate, so nobody is trusted; yet room for a few thousand requests
UPSTREAM_MODEL = "gpt-4o"  # what every test channel maps its model to (priced in the bundled table)


class Db:
    """Run SQL on the test database with the plain driver, whatever the dialect (``?`` placeholders)."""

    def __init__(self, tdb: dbs.TestDatabase, connect=None) -> None:
        self.tdb = tdb
        self._connect = connect

    def _conn(self):
        if self._connect:
            return self._connect()
        if self.tdb.dialect == "sqlite":
            return sqlite3.connect(self.tdb.sqlite_path, timeout=30)
        import psycopg2
        return psycopg2.connect(host=dbs.PG_HOST, port=dbs.PG_PORT, user=dbs.PG_USER, dbname=self.tdb.name)

    def run(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.tdb.dialect != "sqlite":
            sql = sql.replace("?", "%s").replace("`", '"')
        conn = self._conn()
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
            conn.commit()
            return rows
        finally:
            conn.close()

    def true(self) -> str:
        return "1" if self.tdb.dialect == "sqlite" else "true"


def prepare(db: Db, retry_times: int = 2) -> None:
    """A balance that reserves for admin, retries on, no automatic channel disabling (suspension still applies)."""
    db.run("UPDATE users SET quota = ? WHERE id = ?", (BALANCE, USER_ID))
    db.run("UPDATE tokens SET remain_quota = ? WHERE id = ?", (BALANCE, TOKEN_ID))
    for key, value in (("RetryTimes", str(retry_times)), ("AutomaticDisableChannelEnabled", "false"),
                       ("PreConsumedQuota", str(PRE_CONSUMED_QUOTA))):
        db.run("DELETE FROM options WHERE `key` = ?", (key,))
        db.run("INSERT INTO options (`key`, value) VALUES (?, ?)", (key, value))


def add_channel(db: Db, channel_id: int, base_url: str, model: str, priority: int = 0) -> None:
    """An OpenAI channel serving ``model`` (mapped to UPSTREAM_MODEL) for the default group."""
    db.run("INSERT INTO channels (id, type, `key`, status, name, weight, created_time, base_url, models, `group`, "
           "used_quota, model_mapping, priority, config) VALUES (?, 1, ?, 1, ?, 0, 0, ?, ?, 'default', 0, ?, ?, '')",
           (channel_id, f"sk-emu-{channel_id}", f"rel-{channel_id}", base_url, model,
            json.dumps({model: UPSTREAM_MODEL}), priority))
    db.run(f"INSERT INTO abilities (`group`, model, channel_id, enabled, priority) "
           f"VALUES ('default', ?, ?, {db.true()}, ?)", (model, channel_id, priority))


def snapshot(db: Db) -> dict:
    return {
        "users": {r[0]: tuple(r[1:]) for r in db.run("SELECT id, quota, used_quota, request_count FROM users")},
        "tokens": {r[0]: tuple(r[1:]) for r in db.run("SELECT id, remain_quota, used_quota FROM tokens")},
        "channels": {r[0]: r[1] for r in db.run("SELECT id, used_quota FROM channels")},
        "last_log": db.run("SELECT COALESCE(MAX(id), 0) FROM logs")[0][0],
    }


def consume_rows(db: Db, since_log_id: int) -> dict[str, tuple]:
    """Consume log rows written after ``since_log_id``: request id -> (user_id, token_name, channel_id, quota,
    completion_tokens, metadata). Fails on a request logged twice."""
    rows = db.run("SELECT request_id, user_id, token_name, channel_id, quota, completion_tokens, metadata "
                  "FROM logs WHERE type = 2 AND id > ?", (since_log_id,))
    by_request: dict[str, tuple] = {}
    for row in rows:
        assert row[0] not in by_request, f"request {row[0]} was billed twice"
        by_request[row[0]] = tuple(row[1:])
    return by_request


def costs(db: Db) -> dict[str, int]:
    return {r[0]: r[1] for r in db.run("SELECT request_id, quota FROM user_request_costs")}


def assert_ledger_explained(db: Db, before: dict, after: dict, rows: dict[str, tuple]) -> None:
    """Every quota that moved for user 2, its token and the channels equals the sum of the new log rows."""
    spent_user = sum(r[3] for r in rows.values() if r[0] == USER_ID)
    count_user = sum(1 for r in rows.values() if r[0] == USER_ID)
    quota0, used0, count0 = before["users"][USER_ID]
    quota1, used1, count1 = after["users"][USER_ID]
    assert (used1 - used0, quota0 - quota1, count1 - count0) == (spent_user, spent_user, count_user), \
        "user quota moved by more or less than the log rows explain (a leaked or double charge)"
    remain0, tused0 = before["tokens"][TOKEN_ID]
    remain1, tused1 = after["tokens"][TOKEN_ID]
    assert (tused1 - tused0, remain0 - remain1) == (spent_user, spent_user), "token quota not explained by the logs"
    for channel_id, used in before["channels"].items():
        spent = sum(r[3] for r in rows.values() if r[2] == channel_id)
        assert after["channels"].get(channel_id, used) - used == spent, f"channel {channel_id} used quota"
