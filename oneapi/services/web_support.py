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
    """Consume-log totals per (local day index, model) since ``since``: one indexed, grouped query.

    Rows: ``day`` (local midnight, Unix seconds), ``model``, ``requests``, ``quota``, ``prompt_tokens``,
    ``completion_tokens``.
    """
    offset = _utc_offset()
    integer_div = "DIV" if dialect_of(Log._meta.database) == "mysql" else "/"
    day_sql = SQL(f"((created_at + {int(offset)}) {integer_div} 86400)")
    query = (Log.select(day_sql.alias("day"), Log.model_name, fn.COUNT(Log.id).alias("requests"),
                        fn.SUM(Log.quota).alias("quota"), fn.SUM(Log.prompt_tokens).alias("prompt_tokens"),
                        fn.SUM(Log.completion_tokens).alias("completion_tokens"))
             .where((Log.type == LOG_CONSUME) & (Log.created_at >= since)))
    if user_id is not None:
        query = query.where(Log.user_id == user_id)
    rows = query.group_by(day_sql, Log.model_name).dicts()
    return [{"day": int(r["day"]) * 86400 - offset, "model": r["model_name"] or "",
             "requests": int(r["requests"] or 0), "quota": int(r["quota"] or 0),
             "prompt_tokens": int(r["prompt_tokens"] or 0),
             "completion_tokens": int(r["completion_tokens"] or 0)} for r in rows]


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


def _day_sql():
    offset = _utc_offset()
    integer_div = "DIV" if dialect_of(Log._meta.database) == "mysql" else "/"
    return SQL(f"((created_at + {int(offset)}) {integer_div} 86400)"), offset


def usage_report(group_by: str, since: int, until: int, *, user_id: int | None = None, username: str = "",
                 limit: int = 50) -> list[dict]:
    """Consume totals between ``since`` and ``until`` (Unix seconds, inclusive) grouped by ``group_by``:
    ``day`` (local days, oldest first) or one of REPORT_DIMENSIONS (largest cost first, at most ``limit``).

    Rows: ``key``, ``requests``, ``quota``, ``prompt_tokens``, ``completion_tokens``, ``cached_tokens``.
    """
    if group_by == "day":
        key, offset = _day_sql()
    else:
        key, offset = REPORT_DIMENSIONS[group_by], 0
    cost = fn.SUM(Log.quota)
    query = (Log.select(key.alias("key"), fn.COUNT(Log.id).alias("requests"), cost.alias("quota"),
                        fn.SUM(Log.prompt_tokens).alias("prompt_tokens"),
                        fn.SUM(Log.completion_tokens).alias("completion_tokens"),
                        fn.SUM(Log.cached_prompt_tokens).alias("cached_tokens"))
             .where((Log.type == LOG_CONSUME) & (Log.created_at >= since) & (Log.created_at <= until)))
    if user_id is not None:
        query = query.where(Log.user_id == user_id)
    if username:
        query = query.where(Log.username == username)
    query = query.group_by(key)
    query = query.order_by(key) if group_by == "day" else query.order_by(cost.desc()).limit(limit)
    out = []
    for r in query.dicts():
        k = r["key"]
        if group_by == "day":
            k = int(k) * 86400 - offset
        out.append({"key": k if k is not None else "", "requests": int(r["requests"] or 0),
                    "quota": int(r["quota"] or 0), "prompt_tokens": int(r["prompt_tokens"] or 0),
                    "completion_tokens": int(r["completion_tokens"] or 0),
                    "cached_tokens": int(r["cached_tokens"] or 0)})
    return out


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
