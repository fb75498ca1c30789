"""In-memory accumulation of quota counters, written to the database in one UPDATE per row.

Used when ``BATCH_UPDATE_ENABLED`` is on (as the original's ``model/cache.go`` batch updater), and as a
safety net when a direct write fails (database briefly unreachable): the deltas wait here and are
written by the next flush instead of being lost.

Nothing is lost on an orderly stop: the flusher runs every ``BATCH_UPDATE_INTERVAL`` seconds and once
more from the shutdown hook (gunicorn's ``worker_exit``). A flush swaps the pending map out under a lock,
writes each row with ``UPDATE ... SET col = col + ?`` (never read-modify-write) and puts back whatever
could not be written.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from oneapi.models import Channel, Log, Token, User

log = logging.getLogger(__name__)

_MODELS = {"users": User, "tokens": Token, "channels": Channel}

_lock = threading.Lock()
_flush_lock = threading.Lock()
# (table, row id) -> {column: delta}; tokens also carry "accessed_time" as a max, not a sum.
_pending: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
_pending_logs: list[dict] = []
_token_keys: dict[int, str] = {}
_hook_registered = False


def add(table: str, row_id: int, deltas: dict[str, int], accessed_time: int | None = None,
        token_key: str | None = None) -> None:
    """Remember ``deltas`` for one row of ``users``, ``tokens`` or ``channels``."""
    if not row_id:
        return
    _ensure_shutdown_hook()
    with _lock:
        row = _pending[(table, row_id)]
        for column, value in deltas.items():
            if value:
                row[column] = row.get(column, 0) + int(value)
        if accessed_time is not None:
            row["accessed_time"] = max(row.get("accessed_time", 0), int(accessed_time))
        if token_key:
            _token_keys[row_id] = token_key


def add_log(row: dict) -> None:
    """A consume log row whose insert failed: keep it for the next flush."""
    _ensure_shutdown_hook()
    with _lock:
        _pending_logs.append(dict(row))


def pending(table: str, row_id: int, column: str) -> int:
    """The not yet written delta of one counter (so checks can see it)."""
    with _lock:
        return _pending.get((table, row_id), {}).get(column, 0)


def is_empty() -> bool:
    with _lock:
        return not any(_pending.values()) and not _pending_logs


def flush() -> int:
    """Write everything pending. Returns the number of rows written; what fails stays pending."""
    if is_empty():
        return 0
    with _flush_lock:  # one flush at a time, so a row's deltas are never written twice
        with _lock:
            rows = {k: v for k, v in _pending.items() if v}
            logs = list(_pending_logs)
            keys = dict(_token_keys)
            _pending.clear()
            _pending_logs.clear()
            _token_keys.clear()
        written = 0
        failed: dict[tuple[str, int], dict[str, int]] = {}
        for (table, row_id), deltas in rows.items():
            if failed:  # the database is failing: do not hammer it, keep the rest for later
                failed[(table, row_id)] = deltas
                continue
            try:
                _write_row(table, row_id, deltas)
                written += 1
            except Exception:  # noqa: BLE001 - whatever the driver raised, keep the deltas
                log.exception("batch update of %s #%s failed; kept for the next flush", table, row_id)
                failed[(table, row_id)] = deltas
        failed_logs = _write_logs(logs)
        if failed or failed_logs:
            _restore(failed, failed_logs, keys)
        _invalidate_caches(rows, failed, keys)
        return written


def _write_row(table: str, row_id: int, deltas: dict[str, int]) -> None:
    model = _MODELS[table]
    updates = {}
    for column, value in deltas.items():
        field = getattr(model, column)
        updates[field] = value if column == "accessed_time" else field + value
    if updates:
        model.update(updates).where(model.id == row_id).execute()


def _write_logs(logs: list[dict]) -> list[dict]:
    failed = []
    for i, row in enumerate(logs):
        try:
            Log.insert(**row).execute()
        except Exception:  # noqa: BLE001
            log.exception("writing a pending consume log failed; kept for the next flush")
            failed = logs[i:]
            break
    return failed


def _restore(failed: dict, failed_logs: list[dict], keys: dict[int, str]) -> None:
    with _lock:
        for (table, row_id), deltas in failed.items():
            row = _pending[(table, row_id)]
            for column, value in deltas.items():
                if column == "accessed_time":
                    row[column] = max(row.get(column, 0), value)
                else:
                    row[column] = row.get(column, 0) + value
        _pending_logs[:0] = failed_logs
        for token_id, key in keys.items():
            _token_keys.setdefault(token_id, key)


def _invalidate_caches(rows: dict, failed: dict, keys: dict[int, str]) -> None:
    from oneapi.services import cache
    for table, row_id in rows:
        if (table, row_id) in failed:
            continue
        try:
            if table == "users":
                cache.invalidate_user(row_id)
            elif table == "tokens" and row_id in keys:
                cache.invalidate_token(keys[row_id])
        except Exception:  # a cache outage must not stop the flush
            log.warning("cache invalidation after batch flush failed", exc_info=True)


def _ensure_shutdown_hook() -> None:
    global _hook_registered
    if _hook_registered:
        return
    from oneapi import lifecycle
    with _lock:
        if not _hook_registered:
            lifecycle.on_shutdown(_flush_on_shutdown)
            _hook_registered = True


def _flush_on_shutdown() -> None:
    global _hook_registered
    _hook_registered = False
    for attempt in range(3):  # a brief database hiccup at shutdown should not lose the batch
        flush()
        if is_empty():
            break
        time.sleep(0.5 * (attempt + 1))
    if not is_empty():
        log.error("billing batch could not be fully written at shutdown: %s", _describe_pending())
    from oneapi.db import close_request_connections
    close_request_connections()


def _describe_pending() -> str:
    with _lock:
        return f"{sum(1 for v in _pending.values() if v)} counter rows, {len(_pending_logs)} log rows"


def reset_for_tests() -> None:
    global _hook_registered
    with _lock:
        _pending.clear()
        _pending_logs.clear()
        _token_keys.clear()
    _hook_registered = False
