"""Read-only aggregates the web pages need and no other service offers yet (Flask-free).

Days are the server's local calendar days, so a chart's "today" matches the operator's clock.
"""
from __future__ import annotations

import time

from peewee import SQL, fn

from oneapi.db import dialect_of
from oneapi.models import Log
from oneapi.models.constants import LOG_CONSUME


def _utc_offset() -> int:
    return time.localtime().tm_gmtoff or 0


def day_start(ts: float | None = None) -> int:
    """Unix seconds of local midnight of the day containing ``ts``."""
    ts = time.time() if ts is None else ts
    offset = _utc_offset()
    return int((ts + offset) // 86400 * 86400 - offset)


def consume_by_day_and_model(since: int, user_id: int | None = None) -> list[dict]:
    """Consume totals per (local day, model) since ``since`` (the dashboard's charts).

    Rows: ``day`` (local midnight, Unix seconds), ``model``, ``requests``, ``quota``, ``prompt_tokens``,
    ``completion_tokens``.
    """
    rows = daily_usage("model", since, int(time.time()), user_id=user_id)
    return [{"day": r["day"], "model": r["key"] or "", "requests": r["requests"], "quota": r["quota"],
             "prompt_tokens": r["prompt_tokens"], "completion_tokens": r["completion_tokens"]} for r in rows]


def iter_logs(filters: dict, *, user_id: int | None = None, batch: int = 1000):
    """Every log row matching ``filters`` (as ``logs.parse_filters`` makes them), newest first, as dicts.

    Walks the table by id (keyset pagination) so a CSV export of millions of rows stays fast and flat in memory.
    """
    from oneapi.services import logs
    last_id = None
    while True:
        query = logs._filtered(Log.select(), filters, user_id=user_id)
        if last_id is not None:
            query = query.where(Log.id < last_id)
        rows = list(query.order_by(Log.id.desc()).limit(batch))
        if not rows:
            return
        for row in rows:
            yield logs.log_to_dict(row, hide_id=user_id is not None)
        last_id = rows[-1].id
        if len(rows) < batch:
            return


REPORT_DIMENSIONS = {"model": Log.model_name, "user": Log.username, "token": Log.token_name,
                     "channel": Log.channel_id}
_SUMS = ("requests", "quota", "prompt_tokens", "completion_tokens", "cached_tokens")

# Totals of whole past days change only when old logs are deleted. Each (view, day) is aggregated once and kept
# for a while, so a report over 100,000 rows costs one small query for today instead of a scan of every row;
# a background job (``start_jobs``) warms the all-users views at start-up and keeps them fresh.
PAST_DAYS_TTL = 600
WARM_DAYS = 90
_past_days: dict[tuple, dict] = {}


def _day_sql():
    offset = _utc_offset()
    integer_div = "DIV" if dialect_of(Log._meta.database) == "mysql" else "/"
    return SQL(f"((created_at + {int(offset)}) {integer_div} 86400)"), offset


def _mostly_whole_table(start: int, end: int) -> bool:
    """SQLite only: does [start, end) hold most of the logs? Then one sequential scan beats walking an index
    and looking up every row (measured: 50 ms instead of 300 ms for 50,000 of 100,000 rows). The count runs on
    the covering (created_at, type) index and the table size is estimated from the id range, both cheap."""
    if dialect_of(Log._meta.database) != "sqlite":
        return False  # MySQL and PostgreSQL plan this themselves
    in_range = Log.select().where((Log.created_at >= start) & (Log.created_at < end)).count()
    bounds = Log.select(fn.MIN(Log.id), fn.MAX(Log.id)).tuples().first() or (None, None)
    if not bounds[0]:
        return False
    return in_range * 4 > (bounds[1] - bounds[0] + 1)


def _query_daily(dim: str | None, start: int, end: int, user_id: int | None, username: str, *,
                 short_range: bool = False) -> list[dict]:
    """Consume totals per (local day, ``dim`` value) for ``start <= created_at < end``: one grouped query.

    ``short_range``: the window is small (today), so the time index must drive the query, not the index
    on user_id (which would walk every log of a busy user). For a window holding most of the table, no
    index is used at all (see ``_mostly_whole_table``).
    """
    scan = not short_range and _mostly_whole_table(start, end)
    created = (Log.created_at + 0) if scan else Log.created_at
    day, offset = _day_sql()
    columns = [day.alias("day")]
    group = [day]
    if dim is not None:
        columns.append(REPORT_DIMENSIONS[dim].alias("key"))
        group.append(REPORT_DIMENSIONS[dim])
    query = (Log.select(*columns, fn.COUNT(Log.id).alias("requests"), fn.SUM(Log.quota).alias("quota"),
                        fn.SUM(Log.prompt_tokens).alias("prompt_tokens"),
                        fn.SUM(Log.completion_tokens).alias("completion_tokens"),
                        fn.SUM(Log.cached_prompt_tokens).alias("cached_tokens"))
             .where((Log.type == LOG_CONSUME) & (created >= start) & (created < end)))
    if user_id is not None:
        query = query.where(((Log.user_id + 0) if (short_range or scan) else Log.user_id) == user_id)
    if username:
        query = query.where(Log.username == username)
    out = []
    for r in query.group_by(*group).dicts():
        row = {"day": int(r["day"]) * 86400 - offset, "key": r.get("key")}
        row.update({k: int(r[k] or 0) for k in _SUMS})
        out.append(row)
    return out


def _closed_days(key: tuple, dim: str | None, days: list[int], user_id: int | None, username: str) -> list[dict]:
    """Rows of the whole past ``days`` (local midnights, ascending), aggregating only the days not cached."""
    entry = _past_days.get(key)
    if entry is None or time.time() - entry["at"] > PAST_DAYS_TTL:
        if len(_past_days) > 512:
            _past_days.clear()
        entry = _past_days[key] = {"at": time.time(), "days": {}}
    cached = entry["days"]
    missing = [d for d in days if d not in cached]
    if missing:
        start, end = missing[0], day_start(missing[-1] + 90000)
        fresh: dict[int, list[dict]] = {}
        for row in _query_daily(dim, start, end, user_id, username):
            fresh.setdefault(row["day"], []).append(row)
        day = start
        while day < end:
            cached[day] = fresh.get(day, [])
            day = day_start(day + 90000)
    return [row for d in days for row in cached.get(d, ())]


def daily_usage(dim: str | None, since: int, until: int, *, user_id: int | None = None,
                username: str = "") -> list[dict]:
    """Consume totals per (local day, ``dim``) with ``since <= created_at <= until``.

    Whole days before today come from the per-day cache; today and partial days are always read live.
    """
    today = day_start()
    first_full = day_start(since) if since == day_start(since) else day_start(since + 86400)
    past_end = min(today, day_start(until + 1))  # whole days strictly before today and inside the range
    rows: list[dict] = []
    live_ranges = []
    if first_full < past_end:
        days, day = [], first_full
        while day < past_end:
            days.append(day)
            day = day_start(day + 90000)  # next local midnight, DST-safe
        key = (dim, user_id, username, getattr(Log._meta.database.obj, "database", ""))
        rows.extend(_closed_days(key, dim, days, user_id, username))
        if since < first_full:
            live_ranges.append((since, first_full))
        live_ranges.append((past_end, until + 1))
    else:
        live_ranges.append((since, until + 1))
    for start, end in live_ranges:
        if start < end:
            rows.extend(_query_daily(dim, start, end, user_id, username, short_range=end - start <= 2 * 86400))
    return rows


def warm_usage_cache(days: int = WARM_DAYS) -> None:
    """Aggregate the all-users views of the last ``days`` days (what admins' reports read) and the
    dashboards of the admins (the busiest accounts, as a rule)."""
    from oneapi.models import User
    from oneapi.models.constants import ROLE_ADMIN, USER_ENABLED
    since = day_start() - days * 86400
    for dim in (None, *REPORT_DIMENSIONS):
        daily_usage(dim, since, int(time.time()))
    admins = User.select(User.id).where((User.role >= ROLE_ADMIN) & (User.status == USER_ENABLED)).limit(20)
    for admin in admins:
        daily_usage("model", day_start() - 29 * 86400, int(time.time()), user_id=admin.id)


def start_jobs(cfg) -> None:
    from oneapi.services import scheduler
    scheduler.every(PAST_DAYS_TTL - 30, warm_usage_cache, "web-usage-warm-up", initial_delay=3)


def clear_usage_cache() -> None:
    _past_days.clear()


def usage_report(group_by: str, since: int, until: int, *, user_id: int | None = None, username: str = "",
                 limit: int = 50) -> list[dict]:
    """Consume totals between ``since`` and ``until`` (Unix seconds, inclusive) grouped by ``group_by``:
    ``day`` (local days, oldest first) or one of REPORT_DIMENSIONS (largest cost first, at most ``limit``).

    Rows: ``key``, ``requests``, ``quota``, ``prompt_tokens``, ``completion_tokens``, ``cached_tokens``.
    """
    dim = None if group_by == "day" else group_by
    if dim is not None and dim not in REPORT_DIMENSIONS:
        raise ValueError(group_by)
    totals: dict = {}
    for r in daily_usage(dim, since, until, user_id=user_id, username=username):
        key = r["day"] if dim is None else r["key"]
        bucket = totals.setdefault(key, dict.fromkeys(_SUMS, 0))
        for k in _SUMS:
            bucket[k] += r[k]
    rows = [{"key": k if k is not None else "", **v} for k, v in totals.items()]
    if dim is None:
        return sorted(rows, key=lambda r: r["key"])
    return sorted(rows, key=lambda r: (-r["quota"], -r["requests"]))[:limit]


def set_option(key: str, value) -> None:
    """Validate and store one option exactly as PUT /api/option/ does (raises ServiceError)."""
    from oneapi.services import option_rules
    from oneapi.services.options import options
    text = option_rules.normalise(key, value)
    option_rules.validate(key, text)
    options.update(key, text)


def served_models() -> dict[str, list[str]]:
    """Model -> groups that can use it, from the enabled abilities (what the gateway really serves)."""
    from oneapi.models import Ability
    out: dict[str, set[str]] = {}
    rows = Ability.select(Ability.model, Ability.group).where(Ability.enabled == True).distinct()  # noqa: E712
    for row in rows:
        out.setdefault(row.model, set()).add(row.group)
    return {model: sorted(groups) for model, groups in sorted(out.items())}


def filter_channels(offset: int, limit: int, *, status: int | None = None, type_id: int | None = None,
                    sort: str = "", order: str = "") -> tuple[list, int]:
    """Channels of one status and/or type, sorted like ``channels.list_channels`` (the list page's filters)."""
    from oneapi.models import Channel
    from oneapi.services.channels import SORT_FIELDS
    query = Channel.select()
    if status is not None:
        query = query.where(Channel.status == status)
    if type_id is not None:
        query = query.where(Channel.type == type_id)
    column = SORT_FIELDS.get(sort, Channel.id)
    ordering = column.asc() if order == "asc" else column.desc()
    return list(query.order_by(ordering, Channel.id.desc()).offset(offset).limit(limit)), query.count()
