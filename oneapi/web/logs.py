"""Logs: filter by time, user, token, model, channel and type; per-request cost detail; streaming CSV export.

Admins see every log, other users their own. Pages are paginated on the indexed columns (id, created_at,
user_id, model_name, token_name, channel_id), so they stay fast on large tables.
"""
from __future__ import annotations

import csv
import io

from flask import Response, g, jsonify, render_template, request, stream_with_context

from oneapi.services import web_support
from oneapi.services.fields import page_bounds
from oneapi.web import bp, formatting
from oneapi.web.access import is_admin, user_page
from oneapi.web.service_calls import logs_service

PAGE_SIZE = 20
CSV_COLUMNS = ("id", "created_at", "type", "username", "token_name", "model_name", "channel", "request_id",
               "prompt_tokens", "completion_tokens", "cached_prompt_tokens", "quota", "cost_usd", "elapsed_time",
               "is_stream", "content")


def _filters() -> tuple[dict, dict]:
    """(raw values for the form, typed filters for the service)."""
    args = request.args
    form = {k: args.get(k, "").strip() for k in ("start", "end", "username", "token_name", "model_name",
                                                  "channel", "type")}
    raw = {"type": form["type"], "username": form["username"], "token_name": form["token_name"],
           "model_name": form["model_name"], "channel": form["channel"],
           "start_timestamp": formatting.parse_date_input(form["start"]) or 0,
           "end_timestamp": formatting.parse_date_input(form["end"]) or 0}
    if not is_admin():
        raw["username"], raw["channel"] = "", 0
    return form, logs_service().parse_filters(raw)


def _cell(value):
    """A CSV cell that a spreadsheet will not run as a formula (user-controlled text such as token names)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _owner_filter():
    return None if is_admin() else g.user.id


@bp.get("/log")
@user_page
def logs():
    svc = logs_service()
    form, filters = _filters()
    page = max(request.args.get("p", 0, type=int), 0)
    offset, limit = page_bounds(page, PAGE_SIZE, PAGE_SIZE)
    rows, total = svc.list_logs(filters, offset, limit, user_id=_owner_filter())
    args = {k: v for k, v in form.items() if v}
    return render_template("logs/list.html", rows=rows, total=total, page=page, size=PAGE_SIZE, form=form,
                           args=args, admin=is_admin())


@bp.get("/log/stat")
@user_page
def logs_stat():
    """What the filtered consume logs cost (asked for on demand: summing a large range is not instant)."""
    _form, filters = _filters()
    spent = logs_service().sum_used_quota(filters, user_id=_owner_filter())
    return jsonify({"success": True, "message": formatting.quota(spent), "quota": spent})


@bp.get("/log/export.csv")
@user_page
def logs_export():
    _form, filters = _filters()
    owner = _owner_filter()
    per_unit = 500_000  # the fork's cost_usd unit

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for row in web_support.iter_logs(filters, user_id=owner):
            row["cost_usd"] = f"{row['quota'] / per_unit:.6f}"
            writer.writerow([_cell(row.get(c, "")) for c in CSV_COLUMNS])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="logs.csv"',
                             "Cache-Control": "no-store"})
