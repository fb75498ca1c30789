"""Quota movements on users, tokens and channels, written so that concurrent writers never lose a unit.

Every change is a relative ``UPDATE ... SET col = col +/- ?`` inside one short transaction (never a
read-modify-write), so any number of greenlets, gunicorn workers and gateway instances can share one
database. Reservations use a conditional update (``... WHERE remain_quota >= ?``), which makes
"check the balance, then take it" a single atomic step.

Rows are always locked in the same order (tokens, users, channels, then the log insert), so two
transactions cannot deadlock on each other; a deadlock or lock timeout reported by the database anyway
(MySQL gap locks, SQLite busy) is retried. When a write still fails, the movement is handed to
:mod:`.batch` and written by the next flush rather than dropped.

With ``BATCH_UPDATE_ENABLED`` the counters are accumulated by :mod:`.batch` instead; reservations then
check the balance read from the database plus what is still pending in this process (another
process's pending deltas are not visible, as in the original).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import peewee

from oneapi import config
from oneapi.billing import batch
from oneapi.db import database, dialect_of, log_database
from oneapi.models import Channel, Log, Token, User, UserRequestCost

log = logging.getLogger(__name__)

REQUEST_ID_MAX = 32  # user_request_costs.request_id is varchar(32)
_RETRIES = 6


class HoldRefused(Exception):
    """A reservation did not fit: ``who`` is "token" or "user"."""

    def __init__(self, who: str) -> None:
        super().__init__(who)
        self.who = who


@dataclass(frozen=True)
class Movement:
    """One change to a request's accounts.

    ``balance`` is taken from the user's quota and, for a limited token, from its remaining quota (the
    token's ``used_quota`` moves with it, as the original's Decrease/IncreaseTokenQuota do); negative gives
    back. ``used`` is added to ``users.used_quota`` and ``channels.used_quota``; ``requests`` to
    ``users.request_count``.
    """

    user_id: int
    token_id: int
    token_key: str
    token_limited: bool
    channel_id: int
    balance: int
    used: int = 0
    requests: int = 0


def batching() -> bool:
    return bool(config.settings.batch_update_enabled) or write_behind()


def write_behind() -> bool:
    """Logs and cost rows are queued too (LEDGER_WRITE_BEHIND), not only the counters — while the flusher
    runs to write them."""
    return bool(config.settings.ledger_write_behind) and batch.flusher_running()


# ------------------------------------------------------------------ reads


def user_quota(user_id: int) -> int | None:
    stored = _stored_counter(User, "quota", user_id)
    if stored is None:
        return None
    return stored + (batch.pending("users", user_id, "quota") if batching() else 0)


def token_remain(token_id: int) -> int | None:
    stored = _stored_counter(Token, "remain_quota", token_id)
    if stored is None:
        return None
    return stored + (batch.pending("tokens", token_id, "remain_quota") if batching() else 0)


def token_balance(token_id: int, cached: int) -> int:
    """A token's remaining quota for admission: the cached value, or with write-behind (whose commits leave
    the caches alone) the ledger's own."""
    if not write_behind():
        return cached
    value = token_remain(token_id)
    return cached if value is None else value


def await_written(timeout: float = 5.0) -> None:
    """With write-behind, wait until what this request queued is committed, so a client that has its answer
    reads its log row, cost and balance (the flusher serves a wait at once; under load one commit serves many).
    A failed flush keeps the rows and releases the wait."""
    if write_behind():
        batch.ticket().wait(timeout)


_COUNTER_SQL: dict[tuple, str] = {}


def _stored_counter(model, column: str, row_id: int) -> int | None:
    """The database value of a counter; with write-behind remembered for one flush interval, because the
    process's own changes are in the batch until a flush commits them (and each flush forgets the values).
    Another process's or an admin's change is seen within that interval."""
    if not write_behind():
        return _read_counter(model, column, row_id)
    ttl = max(0.05, config.settings.ledger_flush_interval_ms / 1000)
    return batch.stored(model._meta.table_name, row_id, column, lambda: _read_counter(model, column, row_id), ttl)


def _read_counter(model, column: str, row_id: int) -> int | None:
    """One column of one row by id, with SQL built once per dialect (hot path: no query construction)."""
    db = database.obj
    key = (id(db), model, column)
    sql = _COUNTER_SQL.get(key)
    if sql is None:
        sql = _COUNTER_SQL[key] = model.select(getattr(model, column)).where(model.id == 0).sql()[0]
    row = db.execute_sql(sql, (row_id,)).fetchone()
    return None if row is None else int(row[0] or 0)


# ------------------------------------------------------------------ writes


def hold(user_id: int, token_id: int, token_key: str, token_limited: bool, amount: int) -> None:
    """Take ``amount`` from the token (when limited) and the user, or raise HoldRefused and take nothing."""
    if amount <= 0:
        return
    if batching():
        # database balances first (they may yield to other greenlets), then check-and-take in one step
        remain = (_stored_counter(Token, "remain_quota", token_id) or 0) if token_limited else None
        refused = batch.try_hold(user_id, _stored_counter(User, "quota", user_id) or 0, token_id, remain, amount,
                                 token_key, int(time.time()))
        if refused:
            raise HoldRefused(refused)
        return
    in_transaction(lambda: take(user_id, token_id, token_limited, amount))
    invalidate(user_id, token_key if token_limited else None)


def take(user_id: int, token_id: int, token_limited: bool, amount: int) -> None:
    """The conditional updates of a hold; call inside a transaction (a refusal rolls the token part back)."""
    if token_limited:
        taken = (Token.update(remain_quota=Token.remain_quota - amount, used_quota=Token.used_quota + amount,
                              accessed_time=int(time.time()))
                 .where((Token.id == token_id) & (Token.remain_quota >= amount)).execute())
        if not taken:
            raise HoldRefused("token")
    taken = User.update(quota=User.quota - amount).where((User.id == user_id) & (User.quota >= amount)).execute()
    if not taken:
        raise HoldRefused("user")


def move(m: Movement, log_row: dict | None = None) -> None:
    """Apply ``m`` and insert ``log_row`` (a consume log) as one unit; never loses either."""
    now = int(time.time())
    if batching():
        _batch(m, now)
        if write_behind():
            if log_row is not None:
                batch.add_log(log_row)
        else:
            _insert_log_or_keep(log_row)
        return
    same_db = log_database.obj is database.obj

    def work() -> None:
        _apply(m, now)
        if log_row is not None and same_db:
            Log.insert(**log_row).execute()

    try:
        in_transaction(work)
    except Exception:  # noqa: BLE001 - whatever the driver raised, the movement must not be lost
        log.exception("quota write for user %s failed; kept in memory for the next flush", m.user_id)
        _batch(m, now)
        if log_row is not None:
            batch.add_log(log_row)
        return
    if log_row is not None and not same_db:
        _insert_log_or_keep(log_row)
    invalidate(m.user_id, m.token_key if m.token_limited else None)


def upsert_cost(request_id: str, user_id: int, quota: int) -> None:
    """The fork's per-request cost row, keyed by request id: insert, or overwrite the quota."""
    request_id = (request_id or "")[:REQUEST_ID_MAX]
    if not request_id:
        return
    now_ms = int(time.time() * 1000)
    row = dict(created_time=now_ms // 1000, user_id=user_id, request_id=request_id, quota=quota,
               created_at=now_ms, updated_at=now_ms)
    if write_behind():
        batch.add_cost(row)
        return
    try:
        with_retry(lambda: upsert_cost_now(row))
    except Exception:  # noqa: BLE001
        # The ledger itself is already right; the cost row is a convenience lookup.
        log.exception("could not record the cost of request %s", request_id)


def upsert_cost_now(row: dict) -> None:
    """Insert a cost row, or overwrite the quota of the request's existing one."""
    upsert_costs_now([row])


_COST_COLUMNS = ("created_time", "user_id", "request_id", "quota", "created_at", "updated_at")
_UPSERT_SQL: dict[tuple, str] = {}


def upsert_costs_now(rows: list[dict]) -> None:
    """Many cost rows (distinct request ids) in one statement: new rows inserted, existing ones overwritten
    (quota and updated_at). SQL built once per dialect and batch size."""
    db = database.obj
    for start in range(0, len(rows), 100):  # bounded statement size (SQLite's variable limit)
        chunk = rows[start:start + 100]
        key = (id(db), len(chunk))
        sql = _UPSERT_SQL.get(key)
        if sql is None:
            sql = _UPSERT_SQL[key] = _upsert_cost_sql(db, len(chunk))
        db.execute_sql(sql, [row[c] for row in chunk for c in _COST_COLUMNS])


def _upsert_cost_sql(db, count: int) -> str:
    quote = lambda name: f"{db.quote[0]}{name}{db.quote[1]}"  # noqa: E731
    fields = UserRequestCost._meta.fields
    columns = ", ".join(quote(fields[c].column_name) for c in _COST_COLUMNS)
    values = ", ".join(["(" + ", ".join([db.param] * len(_COST_COLUMNS)) + ")"] * count)
    sql = f"INSERT INTO {quote(UserRequestCost._meta.table_name)} ({columns}) VALUES {values} "
    quota, updated = quote(fields["quota"].column_name), quote(fields["updated_at"].column_name)
    if dialect_of(database) == "mysql":
        return sql + f"ON DUPLICATE KEY UPDATE {quota} = VALUES({quota}), {updated} = VALUES({updated})"
    return (sql + f"ON CONFLICT ({quote(fields['request_id'].column_name)}) DO UPDATE SET "
                  f"{quota} = excluded.{quota}, {updated} = excluded.{updated}")


# ------------------------------------------------------------------ internals


def _apply(m: Movement, now: int) -> None:
    if m.token_limited and m.token_id and (m.balance or m.requests):
        Token.update(remain_quota=Token.remain_quota - m.balance, used_quota=Token.used_quota + m.balance,
                     accessed_time=now).where(Token.id == m.token_id).execute()
    user_changes = {}
    if m.balance:
        user_changes[User.quota] = User.quota - m.balance
    if m.used:
        user_changes[User.used_quota] = User.used_quota + m.used
    if m.requests:
        user_changes[User.request_count] = User.request_count + m.requests
    if user_changes:
        User.update(user_changes).where(User.id == m.user_id).execute()
    if m.used and m.channel_id:
        Channel.update(used_quota=Channel.used_quota + m.used).where(Channel.id == m.channel_id).execute()


def _batch(m: Movement, now: int) -> None:
    if m.token_limited and m.token_id and (m.balance or m.requests):
        batch.add("tokens", m.token_id, {"remain_quota": -m.balance, "used_quota": m.balance},
                  accessed_time=now, token_key=m.token_key)
    batch.add("users", m.user_id, {"quota": -m.balance, "used_quota": m.used, "request_count": m.requests})
    if m.channel_id:
        batch.add("channels", m.channel_id, {"used_quota": m.used})


def _insert_log_or_keep(log_row: dict | None) -> None:
    if log_row is None:
        return
    try:
        with_retry(lambda: Log.insert(**log_row).execute())
    except Exception:  # noqa: BLE001 - kept, whatever the driver raised
        log.exception("consume log insert failed; kept in memory for the next flush")
        batch.add_log(log_row)


def invalidate(user_id: int, token_key: str | None) -> None:
    from oneapi.services import cache
    try:
        cache.invalidate_user(user_id)
        if token_key:
            cache.invalidate_token(token_key)
    except Exception:  # a cache outage must not turn a settled request into an error
        log.warning("cache invalidation after a quota change failed", exc_info=True)


def in_transaction(work) -> None:
    db = database.obj

    def attempt() -> None:
        # SQLite: take the write lock up front so the busy timeout applies instead of an upgrade deadlock.
        ctx = db.atomic("IMMEDIATE") if isinstance(db, peewee.SqliteDatabase) else db.atomic()
        with ctx:
            work()

    with_retry(attempt)


def with_retry(fn):
    for attempt in range(_RETRIES):
        try:
            return fn()
        except HoldRefused:
            raise
        except Exception as exc:  # noqa: BLE001 - drivers raise their own classes for lock conflicts
            if attempt == _RETRIES - 1 or not _is_lock_conflict(exc):
                raise
            time.sleep(0.01 * (2 ** attempt))
    return None


_MYSQL_LOCK_CODES = {1205, 1213}  # lock wait timeout, deadlock
_PG_LOCK_CODES = {"40P01", "40001", "55P03"}  # deadlock, serialization failure, lock not available


def _is_lock_conflict(exc: BaseException) -> bool:
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen or not isinstance(e, BaseException):
            continue
        seen.add(id(e))
        if getattr(e, "pgcode", None) in _PG_LOCK_CODES:
            return True
        if e.args and isinstance(e.args[0], int) and e.args[0] in _MYSQL_LOCK_CODES:
            return True
        if "database is locked" in str(e) or "deadlock" in str(e).lower():
            return True
        stack.extend(a for a in e.args if isinstance(a, BaseException))
        stack.extend((e.__cause__, e.__context__))
    return False
