"""The ``logs`` table: writing system/manage/top-up records and reading them for admins and for users.

Rows are returned as the original's JSON: the column ``channel_id`` is the key ``channel``; ``created_at`` is
Unix seconds; a user's own logs come back with ``id`` 0 (the original omits the column).
"""
from __future__ import annotations

import datetime as _dt
import time
from typing import Any

from oneapi.db import dialect_of
from oneapi.models import Log, User
from oneapi.models.constants import LOG_CONSUME, LOG_MANAGE, LOG_SYSTEM, LOG_TOPUP
from oneapi.services.errors import ServiceError
from oneapi.services.fields import as_int
from oneapi.services.options import options

MAX_RECENT_ITEMS = 100  # the original's cap for search results

FILTER_KEYS = ("type", "start_timestamp", "end_timestamp", "username", "token_name", "model_name", "channel")


def format_quota(quota: int) -> str:
    """The original's ``LogQuota``: dollars when DisplayInCurrencyEnabled, else raw points."""
    if options.get_bool("DisplayInCurrencyEnabled"):
        per_unit = options.get_float("QuotaPerUnit", 500000.0) or 500000.0
        return f"＄{quota / per_unit:.6f} 额度"
    return f"{quota} 点额度"


def _ambient_request_id() -> str:
    # The request id of the HTTP request being served, if any (services stay usable outside Flask).
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover
        return ""
    return getattr(g, "request_id", "") if has_request_context() else ""


def record(user_id: int, log_type: int, content: str, *, quota: int = 0, username: str | None = None,
           request_id: str | None = None) -> Log:
    """Write a non-consume log row (system, manage, top-up, test) as the original's RecordLog."""
    if username is None:
        user = User.select(User.username).where(User.id == user_id).first()
        username = user.username if user else ""
    return Log.create(user_id=user_id, created_at=int(time.time()), type=log_type, content=content,
                      username=username or "", quota=quota,
                      request_id=_ambient_request_id() if request_id is None else request_id)


def record_topup(user_id: int, content: str, quota: int) -> Log:
    return record(user_id, LOG_TOPUP, content, quota=quota)


def record_manage(user_id: int, content: str) -> Log:
    return record(user_id, LOG_MANAGE, content)


def record_system(user_id: int, content: str) -> Log:
    return record(user_id, LOG_SYSTEM, content)


def log_to_dict(row: Log, *, hide_id: bool = False) -> dict[str, Any]:
    return {
        "id": 0 if hide_id else row.id,
        "user_id": row.user_id or 0,
        "created_at": row.created_at or 0,
        "type": row.type or 0,
        "content": row.content or "",
        "username": row.username or "",
        "token_name": row.token_name or "",
        "model_name": row.model_name or "",
        "quota": row.quota or 0,
        "prompt_tokens": row.prompt_tokens or 0,
        "completion_tokens": row.completion_tokens or 0,
        "channel": row.channel_id or 0,
        "request_id": row.request_id or "",
        "elapsed_time": row.elapsed_time or 0,
        "is_stream": bool(row.is_stream),
        "system_prompt_reset": bool(row.system_prompt_reset),
        "cached_prompt_tokens": row.cached_prompt_tokens or 0,
        "trace_id": row.trace_id or "",
    }


def parse_filters(raw: dict[str, Any]) -> dict[str, Any]:
    """Query-string filters -> typed filters (lenient like the original: unparsable numbers mean 0)."""
    def num(key: str) -> int:
        try:
            return as_int(raw.get(key) or 0, key)
        except ServiceError:
            return 0
    return {
        "type": num("type"),
        "start_timestamp": num("start_timestamp"),
        "end_timestamp": num("end_timestamp"),
        "username": str(raw.get("username") or ""),
        "token_name": str(raw.get("token_name") or ""),
        "model_name": str(raw.get("model_name") or ""),
        "channel": num("channel"),
    }


def _filtered(query, f: dict[str, Any], *, user_id: int | None = None, use_type: bool = True):
    if user_id is not None:
        query = query.where(Log.user_id == user_id)
    if use_type and f.get("type"):
        query = query.where(Log.type == f["type"])
    if f.get("model_name"):
        query = query.where(Log.model_name == f["model_name"])
    if f.get("username") and user_id is None:  # a user's own view is already limited to them
        query = query.where(Log.username == f["username"])
    if f.get("token_name"):
        query = query.where(Log.token_name == f["token_name"])
    if f.get("start_timestamp"):
        query = query.where(Log.created_at >= f["start_timestamp"])
    if f.get("end_timestamp"):
        query = query.where(Log.created_at <= f["end_timestamp"])
    if f.get("channel"):
        query = query.where(Log.channel_id == f["channel"])
    return query


def list_logs(filters: dict[str, Any], offset: int, limit: int, *, user_id: int | None = None
              ) -> tuple[list[dict], int]:
    """Logs newest first; ``user_id`` limits them to one user (and hides ids, as the original)."""
    query = _filtered(Log.select(), filters, user_id=user_id)
    total = query.count()
    rows = query.order_by(Log.id.desc()).offset(offset).limit(limit)
    return [log_to_dict(r, hide_id=user_id is not None) for r in rows], total


def search_logs(keyword: str, *, user_id: int | None = None) -> list[dict]:
    """Admin: ``type = kw OR content LIKE kw%``; user: own logs of type ``kw``. At most 100, newest first."""
    keyword = keyword or ""
    query = Log.select()
    kw_type = int(keyword) if keyword.strip().lstrip("-").isdigit() and len(keyword) < 10 else None
    if user_id is not None:
        if kw_type is None:
            return []
        query = query.where((Log.user_id == user_id) & (Log.type == kw_type))
    else:
        cond = Log.content.startswith(keyword)
        if kw_type is not None:
            cond = cond | (Log.type == kw_type)
        query = query.where(cond)
    rows = query.order_by(Log.id.desc()).limit(MAX_RECENT_ITEMS)
    return [log_to_dict(r, hide_id=user_id is not None) for r in rows]


def sum_used_quota(filters: dict[str, Any], *, user_id: int | None = None) -> int:
    """Sum of ``quota`` over consume logs matching the filters (the original's SumUsedQuota)."""
    from peewee import fn
    query = _filtered(Log.select(fn.COALESCE(fn.SUM(Log.quota), 0)), filters, user_id=user_id, use_type=False)
    return int(query.where(Log.type == LOG_CONSUME).scalar() or 0)


def delete_before(target_timestamp: Any) -> int:
    ts = as_int(target_timestamp, "target_timestamp", default=0)
    if ts <= 0:
        raise ServiceError("target timestamp is required")
    deleted = Log.delete().where(Log.created_at < ts).execute()
    from oneapi.services import web_support
    web_support.clear_usage_cache()  # the usage pages' past-day totals counted the deleted rows
    return deleted


def dashboard(user_id: int, *, now: float | None = None) -> list[dict]:
    """Per-day, per-model consume totals of the last 7 days (UTC days), with the original's Go field names."""
    from peewee import SQL, fn
    now = time.time() if now is None else now
    today = int(now) // 86400 * 86400
    start, end = today - 6 * 86400, today + 86400 - 1
    day_expr = SQL("created_at DIV 86400") if dialect_of(Log._meta.database) == "mysql" else SQL("created_at / 86400")
    day = day_expr.alias("day")
    rows = (Log.select(day, Log.model_name, fn.COUNT(1).alias("request_count"), fn.SUM(Log.quota).alias("quota"),
                       fn.SUM(Log.prompt_tokens).alias("prompt_tokens"),
                       fn.SUM(Log.completion_tokens).alias("completion_tokens"))
            .where((Log.type == LOG_CONSUME) & (Log.user_id == user_id) & (Log.created_at.between(start, end)))
            .group_by(day_expr, Log.model_name).order_by(day_expr, Log.model_name).dicts())
    out = []
    for r in rows:
        day_text = _dt.datetime.fromtimestamp(int(r["day"]) * 86400, _dt.timezone.utc).strftime("%Y-%m-%d")
        out.append({"Day": day_text, "ModelName": r["model_name"] or "", "RequestCount": int(r["request_count"]),
                    "Quota": int(r["quota"] or 0), "PromptTokens": int(r["prompt_tokens"] or 0),
                    "CompletionTokens": int(r["completion_tokens"] or 0)})
    return out
