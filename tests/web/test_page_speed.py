"""Pages stay fast on a large logs table: each renders in under 100 ms of server time with 100,000 log rows.

Timing is the best of a few runs (the machine is shared; the first run also compiles the page's template);
the budget is the issue's: 100 ms per page. Totals of past days are aggregated once (warmed at start-up by a
background job) and today's rows are read live, so reports do not rescan the whole table on every view.
"""
from __future__ import annotations

import random
import sqlite3
import time

import pytest

from tests.web.conftest import PageClient

ROWS = 100_000
BUDGET_SECONDS = 0.100
PAGES = ["/dashboard", "/dashboard?days=30", "/log", "/log?p=2000", "/log?model_name=gpt-4o&type=2",
         "/log?username=user7&token_name=tok-3", "/log?channel=3", "/log?start=2026-01-01T00:00",
         "/report", "/report?by=user", "/report?by=token", "/report?by=channel&days=90", "/channel", "/token",
         "/user", "/pricing", "/setting"]


@pytest.fixture(scope="module")
def big_app(tmp_path_factory):
    from tests.support import dbs
    from tests.support.app import make_app
    tdb = dbs.create("sqlite", tmp_path_factory.mktemp("speed"))
    app = make_app(tdb)
    now = int(time.time())
    rng = random.Random(7)
    models = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-20241022", "gemini-2.0-flash", "deepseek-chat"]
    rows = [(1 if i % 3 else rng.randint(2, 50), now - rng.randint(0, 60 * 86400), 2 if i % 20 else 4, "",
             f"user{rng.randint(1, 50)}", f"tok-{rng.randint(1, 20)}", rng.choice(models), rng.randint(10, 50_000),
             rng.randint(10, 4000), rng.randint(1, 900), rng.randint(1, 8), str(i), rng.randint(100, 9000),
             rng.randint(0, 500)) for i in range(ROWS)]
    conn = sqlite3.connect(tdb.sqlite_path)
    conn.executemany("INSERT INTO logs (user_id, created_at, type, content, username, token_name, model_name, quota,"
                     " prompt_tokens, completion_tokens, channel_id, request_id, elapsed_time, cached_prompt_tokens)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.commit()
    conn.close()
    from oneapi.services import web_support
    with app.app_context():
        web_support.warm_usage_cache()  # what the background job does at start-up
    return app


def test_every_page_renders_within_budget_on_100k_logs(big_app):
    client = PageClient(big_app)
    client.login("root", "123456")
    slow = {}
    for path in PAGES:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(path)
            best = min(best, time.perf_counter() - started)
            assert response.status_code == 200, path
        if best > BUDGET_SECONDS:
            slow[path] = round(best * 1000, 1)
    assert not slow, f"pages over {BUDGET_SECONDS * 1000:.0f} ms (best of 3): {slow}"


def test_csv_export_streams_every_matching_row(big_app):
    client = PageClient(big_app)
    client.login("root", "123456")
    response = client.get("/log/export.csv?model_name=gpt-4o")
    body = response.get_data(as_text=True)
    lines = body.strip().split("\n")
    assert lines[0].startswith("id,created_at,type,username")
    from oneapi.models import Log
    with big_app.app_context():
        expected = Log.select().where(Log.model_name == "gpt-4o").count()
    assert len(lines) - 1 == expected > 10_000


def test_cached_report_totals_match_the_logs(big_app):
    from peewee import fn

    from oneapi.models import Log
    from oneapi.services import web_support
    with big_app.app_context():
        since = web_support.day_start() - 29 * 86400
        until = int(time.time())
        for _ in range(2):  # cold, then from the cache of past days
            rows = web_support.usage_report("model", since, until)
            expected = dict(Log.select(Log.model_name, fn.SUM(Log.quota))
                            .where((Log.type == 2) & (Log.created_at >= since) & (Log.created_at <= until))
                            .group_by(Log.model_name).tuples())
            assert {r["key"]: r["quota"] for r in rows} == expected
        by_day = web_support.usage_report("day", since, until, username="user7")
        assert sum(r["requests"] for r in by_day) == Log.select().where(
            (Log.type == 2) & (Log.username == "user7") & (Log.created_at >= since)).count()


def test_log_stat_sums_the_filtered_consume_logs(big_app):
    client = PageClient(big_app)
    client.login("root", "123456")
    data = client.get("/log/stat?model_name=gpt-4o-mini").get_json()
    from peewee import fn

    from oneapi.models import Log
    with big_app.app_context():
        expected = Log.select(fn.SUM(Log.quota)).where((Log.type == 2) & (Log.model_name == "gpt-4o-mini")).scalar()
    assert data["quota"] == expected
