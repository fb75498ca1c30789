"""Throw-away databases on SQLite, MariaDB/MySQL and PostgreSQL for the DB-backed tests.

Each test database gets a unique name and is dropped afterwards, so test runs (and parallel helpers) never
share state. When a server is unreachable the test is skipped with the reason, unless ONEAPI_REQUIRE_ALL_DBS=1
(set by .ci/run), where it fails instead.
"""
from __future__ import annotations

import os
import pathlib
import uuid
from dataclasses import dataclass

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
# A copy of ../shared/fixtures (the original One API database), so the suite never depends on a sibling folder.
SHARED_FIXTURES = REPO / "tests" / "fixtures" / "original"

PG_HOST = os.environ.get("ONEAPI_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ONEAPI_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("ONEAPI_TEST_PG_USER", "postgres")
MYSQL_HOST = os.environ.get("ONEAPI_TEST_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = int(os.environ.get("ONEAPI_TEST_MYSQL_PORT", "3306"))
MYSQL_USER = os.environ.get("ONEAPI_TEST_MYSQL_USER", "root")
MYSQL_PASSWORD = os.environ.get("ONEAPI_TEST_MYSQL_PASSWORD", "")
REDIS_URL = os.environ.get("ONEAPI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DIALECTS = ("sqlite", "mysql", "postgres")


def require_all() -> bool:
    return os.environ.get("ONEAPI_REQUIRE_ALL_DBS") == "1"


def unavailable(reason: str):
    """Skip (locally) or fail (in CI) a test whose service is missing."""
    if require_all():
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def require_redis() -> str:
    """REDIS_URL once its server answers a ping; else the test is unavailable."""
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"Redis at {REDIS_URL} unreachable ({type(exc).__name__})")
    return REDIS_URL


@dataclass
class TestDatabase:
    dialect: str
    name: str
    dsn: str  # the SQL_DSN value ("" for SQLite)
    sqlite_path: str = ""

    def env(self) -> dict:
        return {"SQL_DSN": self.dsn, "SQLITE_PATH": self.sqlite_path or "one-api.db"}


def _pg_admin():
    import psycopg2
    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3)
    conn.autocommit = True
    return conn


def _mysql_admin(database: str | None = None, multi: bool = False):
    import pymysql
    from pymysql.constants import CLIENT
    return pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user=MYSQL_USER, password=MYSQL_PASSWORD,
                           database=database, connect_timeout=3, charset="utf8mb4", autocommit=True,
                           client_flag=CLIENT.MULTI_STATEMENTS if multi else 0, ssl_disabled=True)


def create(dialect: str, tmp_path: pathlib.Path) -> TestDatabase:
    name = f"oneapi_t_{uuid.uuid4().hex[:12]}"
    if dialect == "sqlite":
        path = str(tmp_path / f"{name}.db")
        return TestDatabase("sqlite", name, "", path)
    if dialect == "postgres":
        try:
            conn = _pg_admin()
        except Exception as exc:  # noqa: BLE001 - any connection failure means "not available"
            unavailable(f"PostgreSQL at {PG_HOST}:{PG_PORT} unreachable ({type(exc).__name__})")
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
        conn.close()
        return TestDatabase("postgres", name, f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}?sslmode=disable")
    if dialect == "mysql":
        try:
            conn = _mysql_admin()
        except Exception as exc:  # noqa: BLE001
            unavailable(f"MySQL/MariaDB at {MYSQL_HOST}:{MYSQL_PORT} unreachable ({type(exc).__name__})")
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        conn.close()
        auth = MYSQL_USER + (f":{MYSQL_PASSWORD}" if MYSQL_PASSWORD else "")
        dsn = f"{auth}@tcp({MYSQL_HOST}:{MYSQL_PORT})/{name}?charset=utf8mb4&parseTime=True&loc=Local"
        return TestDatabase("mysql", name, dsn)
    raise ValueError(dialect)


def drop(tdb: TestDatabase) -> None:
    try:
        if tdb.dialect == "postgres":
            conn = _pg_admin()
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{tdb.name}" WITH (FORCE)')
            conn.close()
        elif tdb.dialect == "mysql":
            conn = _mysql_admin()
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{tdb.name}`")
            conn.close()
    except Exception:  # noqa: BLE001 - cleanup must not mask the test result
        pass


def load_original_fixture(tdb: TestDatabase) -> None:
    """Load the original One API database (schema + rows) from ../shared/fixtures into ``tdb``."""
    if not SHARED_FIXTURES.exists():
        pytest.fail(f"fixture databases missing at {SHARED_FIXTURES}")
    text = (SHARED_FIXTURES / f"oneapi-original.{tdb.dialect}.sql").read_text(encoding="utf-8")
    if tdb.dialect == "sqlite":
        import sqlite3
        conn = sqlite3.connect(tdb.sqlite_path)
        conn.executescript(text)
        conn.close()
    elif tdb.dialect == "postgres":
        import psycopg2
        conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=tdb.name)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(text)
        conn.close()
    else:
        conn = _mysql_admin(tdb.name, multi=True)
        with conn.cursor() as cur:
            cur.execute(text)
            while cur.nextset():
                pass
        conn.close()


def raw_query(tdb: TestDatabase, sql: str) -> list[tuple]:
    """Run ``sql`` on ``tdb`` with the plain driver (independent of the app) and return all rows."""
    if tdb.dialect == "sqlite":
        import sqlite3
        conn = sqlite3.connect(tdb.sqlite_path)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    if tdb.dialect == "postgres":
        import psycopg2
        conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=tdb.name)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()
    conn = _mysql_admin(tdb.name)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()


def quote(dialect: str, name: str) -> str:
    return f'"{name}"' if dialect == "postgres" else f"`{name}`"
