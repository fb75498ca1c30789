"""Retention jobs: prune old log files (LOG_RETENTION_DAYS) and old ``traces`` rows (TRACE_RETENTION_DAYS).

As the original: log retention deletes files in the log directory, never rows of the ``logs`` table; trace
retention deletes rows of the fork's ``traces`` table (``created_at`` in Unix milliseconds) when that table
exists. Both run daily; log files are per host so every node prunes its own, while the shared database is
pruned by the master only.
"""
from __future__ import annotations

import logging
import os
import time

from oneapi.config import Config

log = logging.getLogger(__name__)
DAY_S = 86_400


def prune_log_files(log_dir: str, days: int, now: float | None = None) -> list[str]:
    """Delete regular ``*.log*`` files in ``log_dir`` last modified more than ``days`` days ago."""
    if days <= 0 or not log_dir or not os.path.isdir(log_dir):
        return []
    cutoff = (time.time() if now is None else now) - days * DAY_S
    removed = []
    with os.scandir(log_dir) as entries:
        for entry in entries:
            if ".log" not in entry.name or not entry.is_file(follow_symlinks=False):
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.remove(entry.path)
                    removed.append(entry.name)
            except OSError as exc:
                log.warning("log retention: cannot remove %s (%s)", entry.name, exc)
    if removed:
        log.info("log retention: removed %d log file(s) older than %d days", len(removed), days)
    return removed


def prune_traces(days: int, now: float | None = None) -> int:
    """Delete ``traces`` rows older than ``days`` days from whichever database holds the table."""
    if days <= 0:
        return 0
    from oneapi import db
    cutoff_ms = int(((time.time() if now is None else now) - days * DAY_S) * 1000)
    seen, deleted = set(), 0
    for proxy in (db.database, db.log_database):
        database = proxy.obj
        if database is None or id(database) in seen:
            continue
        seen.add(id(database))
        with database.connection_context():
            if not database.table_exists("traces"):
                continue
            cursor = database.execute_sql("DELETE FROM traces WHERE created_at < %s" % database.param,
                                          (cutoff_ms,))
            deleted += max(0, cursor.rowcount or 0)
    if deleted:
        log.info("trace retention: removed %d trace(s) older than %d days", deleted, days)
    return deleted


def start_jobs(cfg: Config) -> None:
    """Called once per worker by ``oneapi.jobs.start``."""
    from oneapi.services import scheduler
    if cfg.log_retention_days > 0:
        scheduler.every(DAY_S, lambda: prune_log_files(cfg.log_dir, cfg.log_retention_days),
                        "log-retention", initial_delay=60)
    if cfg.trace_retention_days > 0 and cfg.is_master:
        scheduler.every(DAY_S, lambda: prune_traces(cfg.trace_retention_days), "trace-retention",
                        initial_delay=90)
