"""Database connections: SQLite, MySQL or PostgreSQL chosen from ``SQL_DSN`` the way the original does.

* ``SQL_DSN`` starting with ``postgres://`` (or ``postgresql://``) -> PostgreSQL;
* any other non-empty value -> MySQL, in the Go driver's form ``user:pass@tcp(host:3306)/db?...`` or as a
  ``mysql://`` URL;
* empty -> SQLite at ``SQLITE_PATH``.

Connections are pooled and, because peewee keeps its connection state in a ``threading.local`` that gevent
patches, each greenlet (each request) gets its own connection, returned to the pool when the request ends.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlparse

import peewee
from playhouse.pool import PooledMySQLDatabase, PooledPostgresqlDatabase, PooledSqliteDatabase

from oneapi import drivers
from oneapi.config import Config

log = logging.getLogger(__name__)

# Models bind to these proxies; ``init_databases`` points them at real databases.
database = peewee.DatabaseProxy()
log_database = peewee.DatabaseProxy()

_GO_MYSQL = re.compile(
    r"^(?:(?P<user>[^:@/]*)(?::(?P<password>[^@]*))?@)?"
    r"(?:(?P<net>\w+)\((?P<addr>[^)]*)\))?"
    r"/(?P<db>[^?]*)(?:\?(?P<params>.*))?$"
)


@dataclass(frozen=True)
class Target:
    dialect: str  # "sqlite" | "mysql" | "postgres"
    database: str
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    unix_socket: str = ""
    params: tuple = ()

    def describe(self) -> str:
        """Where the database is, without the password (for logs and errors)."""
        if self.dialect == "sqlite":
            return f"sqlite:{self.database}"
        return f"{self.dialect}://{self.user}@{self.host or self.unix_socket}:{self.port}/{self.database}"


def parse_dsn(dsn: str, sqlite_path: str = "one-api.db") -> Target:
    """Turn ``SQL_DSN`` (or ``LOG_SQL_DSN``) into a connection target."""
    dsn = (dsn or "").strip()
    if not dsn:
        return Target("sqlite", sqlite_path)
    if dsn.startswith(("postgres://", "postgresql://")):
        u = urlparse(dsn)
        query = {k: v[-1] for k, v in parse_qs(u.query).items()}
        params = tuple((k, v) for k, v in query.items() if k in ("sslmode", "connect_timeout", "application_name"))
        return Target("postgres", (u.path or "/").lstrip("/") or "postgres", u.hostname or "127.0.0.1",
                      u.port or 5432, unquote(u.username or ""), unquote(u.password or ""), params=params)
    if dsn.startswith("mysql://"):
        u = urlparse(dsn)
        return Target("mysql", (u.path or "/").lstrip("/"), u.hostname or "127.0.0.1", u.port or 3306,
                      unquote(u.username or ""), unquote(u.password or ""))
    m = _GO_MYSQL.match(dsn)
    if not m:
        raise ValueError("SQL_DSN is neither a postgres:// URL nor a MySQL DSN (user:pass@tcp(host:port)/db)")
    net, addr = (m.group("net") or "tcp"), (m.group("addr") or "127.0.0.1:3306")
    host, port, sock = "", 3306, ""
    if net == "unix":
        sock = addr
    else:
        host, _, port_text = addr.rpartition(":") if ":" in addr else (addr, "", "")
        host = host.strip("[]") or "127.0.0.1"
        port = int(port_text) if port_text.isdigit() else 3306
    return Target("mysql", m.group("db"), host, port, m.group("user") or "", m.group("password") or "",
                  unix_socket=sock)


def make_database(target: Config | Target, cfg: Config) -> peewee.Database:
    """Open (lazily) a pooled database for ``target`` with the pool settings of ``cfg``."""
    pool = dict(max_connections=max(1, cfg.sql_max_open_conns),
                stale_timeout=cfg.sql_max_lifetime or None,
                timeout=30)  # wait for a free connection instead of failing at once
    if target.dialect == "postgres":
        _make_psycopg2_cooperative()
        return PooledPostgresqlDatabase(target.database, host=target.host, port=target.port,
                                        user=target.user, password=target.password,
                                        autoconnect=True, **dict(target.params), **pool)
    if target.dialect == "mysql":
        drivers.load_mysql()
        kw = dict(user=target.user, password=target.password, charset="utf8mb4", ssl_disabled=True)
        if target.unix_socket:
            kw["unix_socket"] = target.unix_socket
        else:
            kw.update(host=target.host, port=target.port)
        return PooledMySQLDatabase(target.database, autoconnect=True, **kw, **pool)
    # Pooled too: closing the last SQLite connection checkpoints the WAL (an fsync), which cost ~10 ms per request.
    return PooledSqliteDatabase(
        target.database,
        pragmas={"journal_mode": "wal", "busy_timeout": cfg.sqlite_busy_timeout, "synchronous": "normal"},
        timeout=30,  # waiting for a pooled connection; the lock wait is the busy_timeout pragma
        check_same_thread=False,
        max_connections=max(1, min(cfg.sql_max_open_conns, 64)),
        stale_timeout=cfg.sql_max_lifetime or None,
    )


_psycopg_patched = False


def _make_psycopg2_cooperative() -> None:
    """Without this, every PostgreSQL query blocks the whole gevent worker."""
    global _psycopg_patched
    if _psycopg_patched:
        return
    try:
        from gevent import monkey
        if monkey.is_module_patched("socket"):
            from psycogreen.gevent import patch_psycopg
            patch_psycopg()
    except ImportError:  # pragma: no cover - psycogreen is a pinned requirement
        log.warning("psycogreen not installed: PostgreSQL queries will block the event loop")
    _psycopg_patched = True


def init_databases(cfg: Config) -> tuple[peewee.Database, peewee.Database]:
    """Point the model proxies at the configured databases and return (main, logs)."""
    main = make_database(parse_dsn(cfg.sql_dsn, cfg.sqlite_path), cfg)
    database.initialize(main)
    logs = make_database(parse_dsn(cfg.log_sql_dsn, cfg.sqlite_path), cfg) if cfg.log_sql_dsn else main
    log_database.initialize(logs)
    return main, logs


def dialect_of(db: peewee.Database) -> str:
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    if isinstance(db, peewee.PostgresqlDatabase):
        return "postgres"
    if isinstance(db, peewee.MySQLDatabase):
        return "mysql"
    return "sqlite"


def close_request_connections() -> None:
    """Return this greenlet's connections to the pool (called after every request)."""
    for proxy in (database, log_database):
        db = proxy.obj
        if db is not None and not db.is_closed():
            db.close()
