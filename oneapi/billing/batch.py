"""In-memory accumulation of quota counters, written to the database in one UPDATE per row.

Used when ``BATCH_UPDATE_ENABLED`` is on (as the original's ``model/cache.go`` batch updater), and as a
safety net when a direct write fails (database briefly unreachable): the deltas wait here and are
written by the next flush instead of being lost.

Nothing is lost on an orderly stop: the flusher runs every ``BATCH_UPDATE_INTERVAL`` seconds and once
more from the shutdown hook (gunicorn's ``worker_exit``). A flush swaps the pending map out under a lock,
writes each row with ``UPDATE ... SET col = col + ?`` (never read-modify-write) and puts back whatever
could not be written.

With ``LEDGER_WRITE_BEHIND`` (the default while the background flusher runs) the ledger's writes leave the
request's own code path: holds are taken in memory against remembered balances, and counters, consume log rows
and the fork's cost rows queue here for the flusher, which writes them in one transaction (counters aggregated per
row as ``col = col + ?``, logs as one multi-row INSERT, cost rows coalesced per request id). It is a group commit:
a queued change wakes the flusher at once, a settling request waits for the commit that carries its rows (so a
client that has its answer can read its log, cost and balance), and what queues while a flush runs goes into the
next one, so an idle gateway commits each request alone and a busy one commits hundreds per transaction.
``LEDGER_FLUSH_INTERVAL_MS`` (default 0) spaces flushes further apart. A graceful stop flushes.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from oneapi import config
from oneapi.models import Channel, Log, Token, User

log = logging.getLogger(__name__)

_MODELS = {"users": User, "tokens": Token, "channels": Channel}

_lock = threading.Lock()
_flush_lock = threading.Lock()
# (table, row id) -> {column: delta}; tokens also carry "accessed_time" as a max, not a sum.
_pending: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
_pending_logs: list[dict] = []
# request id -> cost row (write-behind only): the last quota wins, as the synchronous upsert would
_pending_costs: dict[str, dict] = {}
_token_keys: dict[int, str] = {}
_inflight: dict[tuple[str, int], dict[str, int]] = {}  # what the running flush is writing
_hook_registered = False
_wake = threading.Event()  # set when something is queued: the write-behind flusher waits on it
_next_written = threading.Event()  # set when the next flush has finished
_running_written: threading.Event | None = None  # set when the flush in progress has finished
_ALREADY_WRITTEN = threading.Event()
_ALREADY_WRITTEN.set()
_flusher_started = False


def add(table: str, row_id: int, deltas: dict[str, int], accessed_time: int | None = None,
        token_key: str | None = None) -> None:
    """Remember ``deltas`` for one row of ``users``, ``tokens`` or ``channels``."""
    if not row_id:
        return
    _ensure_shutdown_hook()
    with _lock:
        _add_locked(table, row_id, deltas, accessed_time, token_key)
    _signal()


def _add_locked(table: str, row_id: int, deltas: dict[str, int], accessed_time: int | None = None,
                token_key: str | None = None) -> None:
    row = _pending[(table, row_id)]
    for column, value in deltas.items():
        if value:
            row[column] = row.get(column, 0) + int(value)
    if accessed_time is not None:
        row["accessed_time"] = max(row.get("accessed_time", 0), int(accessed_time))
    if token_key:
        _token_keys[row_id] = token_key


def try_hold(user_id: int, user_quota: int, token_id: int, token_remain: int | None, amount: int,
             token_key: str, now: int) -> str | None:
    """Take ``amount`` in memory if the database balances plus what is pending cover it: one atomic step
    per process. Returns None when taken, else "token" or "user" (the one that does not cover it)."""
    _ensure_shutdown_hook()
    with _lock:
        if token_remain is not None and token_remain + _pending_locked("tokens", token_id, "remain_quota") < amount:
            return "token"
        if user_quota + _pending_locked("users", user_id, "quota") < amount:
            return "user"
        if token_remain is not None and token_id:
            _add_locked("tokens", token_id, {"remain_quota": -amount, "used_quota": amount}, now, token_key)
        _add_locked("users", user_id, {"quota": -amount})
    _signal()
    return None


def add_log(row: dict) -> None:
    """A consume log row whose insert failed: keep it for the next flush."""
    _ensure_shutdown_hook()
    with _lock:
        _pending_logs.append(dict(row))
    _signal()


def add_cost(row: dict) -> None:
    """A cost row to upsert at the next flush (write-behind); a later row of the same request replaces it."""
    _ensure_shutdown_hook()
    with _lock:
        earlier = _pending_costs.get(row["request_id"])
        if earlier is not None:
            row = dict(row, created_time=earlier["created_time"], created_at=earlier["created_at"])
        _pending_costs[row["request_id"]] = row
    _signal()


def _signal() -> None:
    if _flusher_started and not _wake.is_set():
        _wake.set()


def start_flusher(min_spacing: float) -> None:
    """Write queued changes as they come (group commit); see the module docstring."""
    global _flusher_started
    from oneapi.services import scheduler
    if _flusher_started:
        return
    _flusher_started = True
    scheduler.on_demand(_wake, flush, "billing-write-behind", min_spacing)


def flusher_running() -> bool:
    """Write-behind needs someone to write: without the flusher (stopping, or no background jobs) the
    ledger writes synchronously."""
    if not _flusher_started:
        return False
    from oneapi.services import scheduler
    return not scheduler.stopping()


def pending(table: str, row_id: int, column: str) -> int:
    """The not yet written delta of one counter (so checks can see it)."""
    with _lock:
        return _pending_locked(table, row_id, column)


# Write-behind: database balances remembered briefly, so admission needs no query per request. A flush commit
# adds its deltas to the remembered values (they left _pending and are now in the database); a read that
# overlapped the commit is not remembered (the generation changed). Changes made elsewhere (an admin, another
# worker) are seen when the value expires.
_stored: dict[tuple[str, int, str], tuple[float, int]] = {}
_generation = 0
_loading: dict[tuple[str, int, str], threading.Lock] = {}

def stored(table: str, row_id: int, column: str, load, ttl: float) -> int | None:
    """The database value of one counter, read with ``load()`` at most every ``ttl`` seconds."""
    key = (table, row_id, column)
    hit = _stored.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    # one load per key at a time: after a flush, hundreds of in-flight requests would otherwise all query
    # (and each hold a database connection) at once
    with _loading.setdefault(key, threading.Lock()):
        now = time.monotonic()
        hit = _stored.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        generation = _generation
        value = load()
        if value is not None and generation == _generation:
            if len(_stored) > 100_000:
                _stored.clear()
            _stored[key] = (now + ttl, value)
        return value


def _forget_stored() -> None:
    global _generation
    _generation += 1
    _stored.clear()


def _remember_committed(rows: dict) -> None:
    """Call under ``_lock``: what a commit moved from pending into the database, into the remembered values."""
    global _generation
    _generation += 1
    for (table, row_id), deltas in rows.items():
        for column, delta in deltas.items():
            key = (table, row_id, column)
            hit = _stored.get(key)
            if hit is not None and column != "accessed_time":
                _stored[key] = (hit[0], hit[1] + delta)


def _pending_locked(table: str, row_id: int, column: str) -> int:
    # A flush in progress may or may not have committed yet: its deductions count (a balance is never
    # overestimated), its credits do not until they are read back from the database.
    return _pending.get((table, row_id), {}).get(column, 0) + min(0, _inflight.get((table, row_id), {}).get(column, 0))


def is_empty() -> bool:
    with _lock:
        return not any(_pending.values()) and not _pending_logs and not _pending_costs


def flush() -> int:
    """Write everything pending. Returns the number of rows written; what fails stays pending."""
    global _next_written, _running_written
    if is_empty():
        return 0
    with _flush_lock:  # one flush at a time, so a row's deltas are never written twice
        with _lock:
            rows = {k: v for k, v in _pending.items() if v}
            _inflight.update(rows)
            logs = list(_pending_logs)
            keys = dict(_token_keys)
            costs = dict(_pending_costs)
            _pending.clear()
            _pending_logs.clear()
            _token_keys.clear()
            _pending_costs.clear()
            written, _next_written = _next_written, threading.Event()
            _running_written = written
        committed = False
        try:
            written_rows = _flush(rows, logs, keys, costs)
            committed = config.settings.ledger_write_behind and written_rows == len(rows)
            return written_rows
        finally:
            with _lock:
                _inflight.clear()
                if committed:
                    _remember_committed(rows)
                _running_written = None
            written.set()


def ticket() -> threading.Event:
    """Set once the flush that takes what is queued now has finished (committed, or failed and kept it).
    With nothing queued, the caller's rows were taken by the flush in progress (or are written already)."""
    with _lock:
        if any(_pending.values()) or _pending_logs or _pending_costs:
            return _next_written
        return _running_written or _ALREADY_WRITTEN


def flush_for_read() -> None:
    """Before a read that must see this process's queued changes (an API or page showing logs, costs or
    balances): write them, and wait for a flush that is already writing."""
    if not flusher_running():
        return
    if flush() == 0:
        with _flush_lock:
            pass


def _flush(rows: dict, logs: list[dict], keys: dict[int, str], costs: dict[str, dict]) -> int:
    """Write the swapped-out batch; what fails is put back."""
    if config.settings.ledger_write_behind:
        return _flush_at_once(rows, logs, keys, costs)
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
    failed_costs = _write_costs(costs)
    if failed or failed_logs or failed_costs:
        _restore(failed, failed_logs, keys, failed_costs)
    _invalidate_caches(rows, failed, keys)
    return written


def _flush_at_once(rows: dict, logs: list[dict], keys: dict[int, str], costs: dict[str, dict]) -> int:
    """Write-behind: every counter, log and cost row in one transaction; on failure all of it stays pending."""
    from oneapi.billing.accounts import in_transaction, upsert_costs_now
    from oneapi.db import database, log_database
    same_db = log_database.obj is database.obj

    def work() -> None:
        for (table, row_id), deltas in rows.items():
            _write_row(table, row_id, deltas)
        if same_db:
            _insert_logs(logs)
        if costs:
            upsert_costs_now(list(costs.values()))

    try:
        in_transaction(work)
    except Exception:  # noqa: BLE001 - whatever the driver raised, nothing is lost
        log.exception("write-behind flush of %d rows failed; kept for the next flush", len(rows) + len(logs))
        _restore(rows, logs, keys, costs)
        return 0
    if not same_db:
        failed_logs = _write_logs(logs)
        if failed_logs:
            _restore({}, failed_logs, {})
    # The token and user caches are left alone: the ledger reads balances through ``accounts`` (remembered
    # values adjusted above), and invalidating hot rows on every commit made each request reload them.
    return len(rows)


def _insert_logs(logs: list[dict]) -> None:
    """All rows through one prepared INSERT (executemany): no per-row query building."""
    groups: dict[tuple, list[dict]] = {}
    for row in logs:
        groups.setdefault(tuple(row), []).append(row)
    db = Log._meta.database
    for names, rows in groups.items():
        fields = [Log._meta.fields[name] for name in names]
        open_q, close_q = db.quote[0], db.quote[1]
        columns = ", ".join(f"{open_q}{f.column_name}{close_q}" for f in fields)
        sql = (f"INSERT INTO {open_q}{Log._meta.table_name}{close_q} ({columns}) "
               f"VALUES ({', '.join([db.param] * len(fields))})")
        db.cursor().executemany(sql, [tuple(f.db_value(row[f.name]) for f in fields) for row in rows])


_UPDATE_SQL: dict[tuple, str] = {}


def _write_row(table: str, row_id: int, deltas: dict[str, int]) -> None:
    """``UPDATE t SET col = col + ? ... WHERE id = ?`` (``accessed_time`` is set, not added); SQL built once."""
    if not deltas:
        return
    model = _MODELS[table]
    db = model._meta.database
    columns = tuple(deltas)
    key = (id(db.obj) if hasattr(db, "obj") else id(db), table, columns)
    sql = _UPDATE_SQL.get(key)
    if sql is None:
        quote = lambda name: f"{db.quote[0]}{name}{db.quote[1]}"  # noqa: E731
        sets = []
        for column in columns:
            name = quote(getattr(model, column).column_name)
            sets.append(f"{name} = {db.param}" if column == "accessed_time" else f"{name} = {name} + {db.param}")
        sql = _UPDATE_SQL[key] = (f"UPDATE {quote(model._meta.table_name)} SET {', '.join(sets)} "
                                  f"WHERE {quote(model.id.column_name)} = {db.param}")
    db.execute_sql(sql, (*deltas.values(), row_id))


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


def _write_costs(costs: dict[str, dict]) -> dict[str, dict]:
    """Cost rows left by a write-behind period (the setting was turned off since): upsert them one by one."""
    from oneapi.billing.accounts import upsert_cost_now
    for i, (request_id, row) in enumerate(costs.items()):
        try:
            upsert_cost_now(row)
        except Exception:  # noqa: BLE001
            log.exception("writing a pending cost row failed; kept for the next flush")
            return dict(list(costs.items())[i:])
    return {}


def _restore(failed: dict, failed_logs: list[dict], keys: dict[int, str], costs: dict | None = None) -> None:
    with _lock:
        for request_id, cost in (costs or {}).items():
            _pending_costs.setdefault(request_id, cost)  # a newer row queued meanwhile wins
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
        _pending_costs.clear()
    _forget_stored()
    _hook_registered = False
    _wake.clear()
