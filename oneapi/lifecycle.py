"""Orderly shutdown: flush what is buffered in memory and close pools. Hooks register here."""
from __future__ import annotations

import logging
from typing import Callable

log = logging.getLogger(__name__)
_hooks: list[Callable[[], None]] = []


def on_shutdown(hook: Callable[[], None]) -> None:
    _hooks.append(hook)


def shutdown() -> None:
    from oneapi.services import scheduler
    scheduler.stop_all()
    for hook in reversed(_hooks):
        try:
            hook()
        except Exception:
            log.exception("shutdown hook %s failed", getattr(hook, "__name__", hook))
    _hooks.clear()
    close_database_pools()  # last: the hooks above may still write (batched quota)


def close_database_pools() -> None:
    from oneapi import db
    for proxy in (db.database, db.log_database):
        database = proxy.obj
        if database is None:
            continue
        try:
            if hasattr(database, "close_all"):
                database.close_all()
            elif not database.is_closed():
                database.close()
        except Exception:
            log.exception("closing the database pool failed")
