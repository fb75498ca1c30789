"""GET /api/report/usage: consumption over time and by model, user, token or channel, for the UI's charts.

Query: ``group_by`` = day | model | user | token | channel (default day), ``start_timestamp`` and
``end_timestamp`` (Unix seconds, default the last 30 days), optional filters ``model_name``, ``token_name``
and, for admins, ``username`` and ``channel``; ``tz_offset`` (minutes east of UTC, default 0) sets where a
day starts. Admins see everyone; a common user sees only their own rows. Only consume logs count.

Each row: the group's key fields, ``request_count``, ``prompt_tokens``, ``completion_tokens``,
``cached_prompt_tokens``, ``quota`` and ``cost_usd`` (quota / 500000). Days without traffic are filled with
zeros (for ranges up to a year) so a chart's axis has no gaps; ``total`` sums every row.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import g, jsonify, request
from peewee import SQL, NodeList, fn

from oneapi.api import bp
from oneapi.auth import user_required
from oneapi.db import dialect_of, log_database
from oneapi.models import Log
from oneapi.models.constants import LOG_CONSUME, QUOTA_PER_USD, ROLE_ADMIN

DAY = 86400
GROUPS = ("day", "model", "user", "token", "channel")
_SUMS = ("prompt_tokens", "completion_tokens", "cached_prompt_tokens", "quota")


def _int_arg(name: str, default: int) -> int:
    try:
        return int(float(request.args.get(name, "")))
    except ValueError:
        return default


def _day_bucket(offset_seconds: int):
    """Start of the (offset) day of ``created_at``, in integer arithmetic every dialect agrees on."""
    div = "DIV" if dialect_of(log_database) == "mysql" else "/"
    return NodeList((SQL("(("), Log.created_at, SQL(f"+ {int(offset_seconds)}) {div} {DAY}) * {DAY}")))


def _group_fields(group_by: str, offset_seconds: int) -> list:
    if group_by == "day":
        return [_day_bucket(offset_seconds).alias("bucket")]
    if group_by == "model":
        return [Log.model_name]
    if group_by == "user":
        return [Log.user_id, Log.username]
    if group_by == "token":
        return [Log.user_id, Log.username, Log.token_name]
    return [Log.channel_id]


def _row(group_by: str, values: dict, offset_seconds: int) -> dict:
    out: dict = {}
    if group_by == "day":
        start = int(values["bucket"] or 0) - offset_seconds
        out["key"] = out["day"] = datetime.fromtimestamp(start + offset_seconds, timezone.utc).strftime("%Y-%m-%d")
        out["timestamp"] = start
    elif group_by == "model":
        out["key"] = out["model_name"] = values["model_name"] or ""
    elif group_by == "user":
        out.update(key=values["username"] or "", user_id=values["user_id"] or 0, username=values["username"] or "")
    elif group_by == "token":
        out.update(key=values["token_name"] or "", token_name=values["token_name"] or "",
                   user_id=values["user_id"] or 0, username=values["username"] or "")
    else:
        out["key"] = str(values["channel_id"] or 0)
        out["channel"] = values["channel_id"] or 0
    out["request_count"] = int(values.get("request_count") or 0)
    for name in _SUMS:
        out[name] = int(values.get(name) or 0)
    out["cost_usd"] = out["quota"] / QUOTA_PER_USD
    return out


def _fill_days(rows: list[dict], start: int, end: int, offset_seconds: int) -> list[dict]:
    if end - start > 366 * DAY:
        return rows
    have = {r["timestamp"]: r for r in rows}
    first = ((start + offset_seconds) // DAY) * DAY - offset_seconds
    filled = []
    for day_start in range(first, end + 1, DAY):
        filled.append(have.pop(day_start, None) or _row("day", {"bucket": day_start + offset_seconds,
                                                                "request_count": 0}, offset_seconds))
    return filled + list(have.values())


@bp.get("/report/usage")
@user_required
def usage_report():
    group_by = request.args.get("group_by", "day").strip().lower() or "day"
    if group_by not in GROUPS:
        return jsonify({"success": False, "message": f"group_by must be one of {', '.join(GROUPS)}"})
    now = int(time.time())
    end = _int_arg("end_timestamp", now) or now
    start = _int_arg("start_timestamp", end - 30 * DAY)
    offset_seconds = max(-14 * 60, min(14 * 60, _int_arg("tz_offset", 0))) * 60

    where = (Log.type == LOG_CONSUME) & (Log.created_at >= start) & (Log.created_at <= end)
    if g.user.role >= ROLE_ADMIN:
        if request.args.get("username"):
            where &= Log.username == request.args["username"]
        if request.args.get("channel"):
            where &= Log.channel_id == _int_arg("channel", 0)
    else:
        where &= Log.user_id == g.user.id
    if request.args.get("model_name"):
        where &= Log.model_name == request.args["model_name"]
    if request.args.get("token_name"):
        where &= Log.token_name == request.args["token_name"]

    keys = _group_fields(group_by, offset_seconds)
    sums = [fn.COALESCE(fn.SUM(getattr(Log, name)), 0).alias(name) for name in _SUMS]
    query = (Log.select(*keys, fn.COUNT(Log.id).alias("request_count"), *sums)
             .where(where).group_by(*keys).dicts())
    rows = [_row(group_by, values, offset_seconds) for values in query]
    if group_by == "day":
        rows.sort(key=lambda r: r["timestamp"])
        rows = _fill_days(rows, start, end, offset_seconds)
    else:
        rows.sort(key=lambda r: (-r["quota"], r["key"]))
    total = {name: sum(r[name] for r in rows) for name in ("request_count", *_SUMS)}
    total["cost_usd"] = total["quota"] / QUOTA_PER_USD
    return jsonify({"success": True, "message": "", "data": rows, "total": total, "group_by": group_by,
                    "start_timestamp": start, "end_timestamp": end})
