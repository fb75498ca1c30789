"""Retention jobs, error log push, DEBUG/DEBUG_SQL logging, NODE_TYPE and FRONTEND_BASE_URL."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from oneapi.ops import logpush, retention
from tests.support import dbs

DAY = 86_400


def test_log_retention_prunes_old_log_files_only(tmp_path):
    now = time.time()
    files = {"oneapi-20240101.log": 10, "oneapi-20240301.log.1": 8, "oneapi-today.log": 0, "notes.txt": 30}
    for name, age_days in files.items():
        path = tmp_path / name
        path.write_text("x")
        os.utime(path, (now - age_days * DAY, now - age_days * DAY))
    (tmp_path / "old.log.d").mkdir()
    removed = retention.prune_log_files(str(tmp_path), days=7, now=now)
    assert sorted(removed) == ["oneapi-20240101.log", "oneapi-20240301.log.1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "old.log.d", "oneapi-today.log"]
    assert retention.prune_log_files(str(tmp_path), days=0, now=now) == []  # 0 keeps everything


def test_trace_retention_deletes_old_trace_rows(ops_app, sqlite_db):
    ops_app()
    now = time.time()
    rows = [("old", int((now - 40 * DAY) * 1000)), ("recent", int((now - 2 * DAY) * 1000))]
    import sqlite3
    conn = sqlite3.connect(sqlite_db.sqlite_path)
    conn.execute("CREATE TABLE traces (id integer PRIMARY KEY AUTOINCREMENT, uuid char(36), trace_id varchar(64) "
                 "NOT NULL UNIQUE, url text NOT NULL, method varchar(16) NOT NULL, body_size bigint DEFAULT 0, "
                 "status integer DEFAULT 0, timestamps text, created_at bigint, updated_at bigint)")
    conn.executemany("INSERT INTO traces (trace_id, url, method, created_at) VALUES (?, '/v1/x', 'POST', ?)", rows)
    conn.commit()
    conn.close()
    assert retention.prune_traces(30, now=now) == 1
    assert dbs.raw_query(sqlite_db, "SELECT trace_id FROM traces") == [("recent",)]
    assert retention.prune_traces(0, now=now) == 0


def test_trace_retention_without_traces_table_is_a_no_op(ops_app):
    ops_app()
    assert retention.prune_traces(30) == 0


@pytest.mark.parametrize("node_type,expected", [("master", {"log-retention", "trace-retention"}),
                                                ("slave", {"log-retention"})])
def test_only_the_master_prunes_the_shared_database(monkeypatch, node_type, expected):
    from oneapi import config
    from oneapi.services import scheduler
    scheduled = []
    monkeypatch.setattr(scheduler, "every", lambda seconds, job, name, **kw: scheduled.append((name, seconds)))
    cfg = config.load({"NODE_TYPE": node_type, "LOG_RETENTION_DAYS": "7", "TRACE_RETENTION_DAYS": "30"})
    retention.start_jobs(cfg)
    assert {name for name, _ in scheduled} == expected
    assert all(seconds == DAY for _, seconds in scheduled)


class _Collector(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((time.time(), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"data": {"TelegramMonitorAlert": {"name": "oneapi"}}}')

    def log_message(self, *args):
        pass


@pytest.fixture
def alert_endpoint():
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/query/", _Collector.received
    server.shutdown()


def test_error_lines_are_pushed_at_most_once_per_second(alert_endpoint):
    url, received = alert_endpoint
    handler = logpush.LogPushHandler(url, "oneapi-test", "push-token")
    logger = logging.getLogger("oneapi.test.logpush")
    logger.addHandler(handler)
    try:
        logger.info("not an error")
        for i in range(5):
            logger.error("upstream failed %d", i)
        deadline = time.time() + 5
        while time.time() < deadline and sum(r[1]["variables"]["msg"].count("upstream failed") for r in received) < 5:
            time.sleep(0.05)
    finally:
        logger.removeHandler(handler)
        handler.flush_and_stop(1)
    messages = [r[1]["variables"]["msg"] for r in received]
    assert sum(m.count("upstream failed") for m in messages) == 5  # nothing lost
    assert not any("not an error" in m for m in messages)
    assert 1 <= len(received) <= 2
    if len(received) == 2:
        assert received[1][0] - received[0][0] >= 0.9  # ≤ 1 push per second
    first = received[0][1]
    assert "TelegramMonitorAlert(type: $type, token: $token, msg: $msg)" in first["query"]
    assert first["variables"]["type"] == "oneapi-test" and first["variables"]["token"] == "push-token"


def test_log_push_is_installed_from_the_environment(ops_app, alert_endpoint):
    url, received = alert_endpoint
    try:
        ops_app(LOG_PUSH_API=url, LOG_PUSH_TYPE="oneapi", LOG_PUSH_TOKEN="t")
        logging.getLogger("oneapi.somewhere").error("database unreachable")
        deadline = time.time() + 5
        while time.time() < deadline and not received:
            time.sleep(0.05)
    finally:
        logpush.uninstall()
    assert received and "database unreachable" in received[0][1]["variables"]["msg"]


def test_debug_and_debug_sql_set_log_levels():
    code = ("from oneapi import config; from oneapi.logging_setup import configure; import logging; "
            "configure(config.settings); "
            "print(logging.getLogger().level, logging.getLogger('peewee').level)")
    def levels(**env):
        clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DEBUG_SQL")}
        out = subprocess.run([sys.executable, "-c", code], env={**clean, **env, "PYTHONPATH": str(dbs.REPO)},
                             capture_output=True, text=True, timeout=60, cwd=str(dbs.REPO))
        return tuple(int(x) for x in out.stdout.split())
    assert levels() == (logging.INFO, logging.WARNING)
    assert levels(DEBUG="true", DEBUG_SQL="true") == (logging.DEBUG, logging.DEBUG)


def test_slave_redirects_pages_to_the_frontend(ops_app):
    ops_app()  # the master creates the schema
    slave = ops_app(NODE_TYPE="slave", FRONTEND_BASE_URL="https://front.example.com/").test_client()
    page = slave.get("/login?next=%2Ftoken")
    assert page.status_code == 301
    assert page.headers["Location"] == "https://front.example.com/login?next=%2Ftoken"
    assert slave.get("/api/status").status_code == 200
    assert slave.get("/v1/models").status_code != 301
    master = ops_app(FRONTEND_BASE_URL="https://front.example.com").test_client()
    assert master.get("/login").status_code != 301  # honoured on slaves only


def test_slave_neither_migrates_nor_bootstraps(ops_app, sqlite_db):
    ops_app()
    import sqlite3
    conn = sqlite3.connect(sqlite_db.sqlite_path)
    conn.execute("DELETE FROM users")
    conn.commit()
    conn.close()
    ops_app(NODE_TYPE="slave")
    assert dbs.raw_query(sqlite_db, "SELECT count(*) FROM users") == [(0,)]
    ops_app()  # a master creates the root account again
    assert dbs.raw_query(sqlite_db, "SELECT count(*) FROM users") == [(1,)]
