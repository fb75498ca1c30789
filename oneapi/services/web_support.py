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
