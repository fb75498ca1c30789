"""Starting on a database created by the original One API keeps every row and every invariant."""
from __future__ import annotations

import pytest

from oneapi import schema
from tests.support import dbs
from tests.support.app import make_app

ORIGINAL_COUNTS = {"channels": 6, "tokens": 6, "users": 4, "options": 12, "redemptions": 3, "abilities": 28, "logs": 30}


def _counts(tdb):
    return {t: dbs.raw_query(tdb, f"SELECT COUNT(*) FROM {t}")[0][0] for t in ORIGINAL_COUNTS}


def _columns(tdb, table):
    if tdb.dialect == "sqlite":
        return {r[1]: (r[2].lower(), r[4]) for r in dbs.raw_query(tdb, f"PRAGMA table_info({table})")}
    if tdb.dialect == "postgres":
        rows = dbs.raw_query(tdb, "SELECT column_name, data_type, column_default FROM information_schema.columns "
                                  f"WHERE table_name = '{table}' AND table_catalog = '{tdb.name}'")
    else:
        rows = dbs.raw_query(tdb, "SELECT column_name, column_type, column_default FROM information_schema.columns "
                                  f"WHERE table_name = '{table}' AND table_schema = '{tdb.name}'")
    return {r[0]: (str(r[1]).lower(), r[2]) for r in rows}


def _snapshot(tdb):
    """Every row of the original tables, as the plain driver reads them."""
    snap = {}
    for table in ORIGINAL_COUNTS:
        order = "1, 2, 3" if table == "abilities" else "1"
        snap[table] = dbs.raw_query(tdb, f"SELECT * FROM {table} ORDER BY {order}")
    return snap


def test_start_keeps_schema_and_rows(original_db):
    before_rows = _snapshot(original_db)
    before_cols = {t: _columns(original_db, t) for t in ORIGINAL_COUNTS}
    make_app(original_db)
    make_app(original_db)  # a second start must be a no-op too
    assert _counts(original_db) == ORIGINAL_COUNTS
    after_rows = _snapshot(original_db)
    # Original columns keep their values; added columns only appear at the end of each row.
    for table, rows in before_rows.items():
        assert [r[: len(before_cols[table])] for r in after_rows[table]] == rows, table
    for table, cols in before_cols.items():
        after = _columns(original_db, table)
        for name, spec in cols.items():
            assert after[name] == spec, (table, name)
    added = _columns(original_db, "logs")
    assert {"cached_prompt_tokens", "metadata", "trace_id"} <= set(added)
    assert "model_configs" in _columns(original_db, "channels")
    assert dbs.raw_query(original_db, "SELECT COUNT(*) FROM user_request_costs")[0][0] == 0


def test_no_root_bootstrap_on_existing_users(original_db):
    make_app(original_db, INITIAL_ROOT_TOKEN="x" * 48)
    rows = dbs.raw_query(original_db, "SELECT username FROM users ORDER BY id")
    assert [r[0] for r in rows] == ["root", "admin", "alice", "bob"]
    assert dbs.raw_query(original_db, "SELECT COUNT(*) FROM tokens")[0][0] == 6


def test_fresh_database_gets_original_ddl_and_root(empty_db):
    make_app(empty_db, INITIAL_ROOT_TOKEN="sk-" + "A" * 48, INITIAL_ROOT_ACCESS_TOKEN="b" * 32)
    q = dbs.quote(empty_db.dialect, "key")
    users = dbs.raw_query(empty_db, "SELECT username, role, quota, access_token FROM users")
    assert [(u[0], u[1], u[2], u[3].strip()) for u in users] == [("root", 100, 500000000000000, "b" * 32)]
    tokens = dbs.raw_query(empty_db, f"SELECT id, {q}, name, expired_time FROM tokens")
    assert [(t[0], t[1].strip(), t[2], t[3]) for t in tokens] == [(1, "A" * 48, "Initial Root Token", -1)]
    cols = _columns(empty_db, "tokens")
    expected_key_type = {"sqlite": "char(48)", "mysql": "char(48)", "postgres": "character"}[empty_db.dialect]
    assert cols["key"][0] == expected_key_type
    if empty_db.dialect == "mysql":
        assert _columns(empty_db, "channels")["model_mapping"][0] == "varchar(1024)"
        assert _columns(empty_db, "users")["username"][0] == "varchar(191)"
        assert _columns(empty_db, "channels")["weight"][0] == "bigint(20) unsigned"


def test_fresh_index_names_match_the_original(empty_db):
    make_app(empty_db)
    from oneapi.db import database
    names = {ix.name for ix in database.get_indexes("users")}
    assert {"idx_users_git_hub_id", "idx_users_we_chat_id", "idx_users_access_token", "idx_users_aff_code"} <= names
    log_ix = {ix.name for ix in database.get_indexes("logs")}
    assert {"idx_created_at_type", "index_username_model_name", "idx_logs_quota"} <= log_ix


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "postgres"])
def test_create_table_sql_matches_fixture_text(dialect):
    """Our DDL renders the same CREATE TABLE statements as the original (compared with the fixture files)."""
    text = (dbs.SHARED_FIXTURES / f"oneapi-original.{dialect}.sql").read_text(encoding="utf-8")
    for table in schema.ORIGINAL_TABLES:
        create = schema.create_table_sql(table, dialect)[0]
        assert create + ";" in text, create
