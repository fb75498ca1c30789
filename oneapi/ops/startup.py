"""Prepare the database once per instance, before gunicorn forks its workers.

Every worker's app factory migrates and bootstraps on a master node. On a brand-new database several workers
doing that at the same moment race (two root accounts, a table created twice) and gunicorn gives up when a
worker fails to boot. Doing it first in gunicorn's master process leaves the workers nothing to do but check.
Several instances starting together on one database are serialised by a lock (PostgreSQL advisory lock, MySQL
GET_LOCK, a lock file next to an SQLite database).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

from oneapi.config import Config

log = logging.getLogger(__name__)
_PG_LOCK_KEY = 0x6F6E6561  # "onea": pg_advisory_lock key shared by every instance
_MYSQL_LOCK_NAME = "one_api_migrate"
_LOCK_WAIT_S = 120


@contextmanager
def migration_lock(database):
    """Hold a database-wide lock on a separate session (PostgreSQL advisory lock, MySQL GET_LOCK)."""
    from oneapi.db import dialect_of
    dialect = dialect_of(database)
    if dialect == "sqlite":
        with _file_lock(f"{getattr(database, 'database', None) or database.obj.database}.migrate-lock"):
            yield
        return
    conn = database.obj._connect() if hasattr(database, "obj") else database._connect()
    try:
        cur = conn.cursor()
        if dialect == "postgres":
            conn.autocommit = True
            cur.execute("SET lock_timeout = %s", (f"{_LOCK_WAIT_S}s",))
            cur.execute("SELECT pg_advisory_lock(%s)", (_PG_LOCK_KEY,))
        else:
            cur.execute("SELECT GET_LOCK(%s, %s)", (_MYSQL_LOCK_NAME, _LOCK_WAIT_S))
        try:
            yield
        finally:
            if dialect == "postgres":
                cur.execute("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_KEY,))
            else:
                cur.execute("SELECT RELEASE_LOCK(%s)", (_MYSQL_LOCK_NAME,))
    finally:
        conn.close()


@contextmanager
def _file_lock(path: str):
    """An exclusive lock on a file next to the SQLite database (one host; no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: python app.py is a single process anyway
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare_database(cfg: Config) -> bool:
    """Migrate and create the root account (master nodes only); True when done. Errors are logged, not raised:
    the workers then meet the same problem and report it as usual."""
    if not cfg.is_master:
        return False
    from oneapi import db, lifecycle, schema
    from oneapi.services.bootstrap import ensure_root_user
    try:
        main_db, logs_db = db.init_databases(cfg)
        with migration_lock(main_db):
            schema.migrate(main_db, logs_db)
            with main_db.connection_context():
                ensure_root_user(cfg)
        return True
    except Exception:  # noqa: BLE001
        log.exception("preparing the database before the workers start failed")
        return False
    finally:
        lifecycle.close_database_pools()  # no connection may cross the fork into the workers
