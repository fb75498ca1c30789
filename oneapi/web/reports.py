"""Usage and cost reports: charts by day and by model, user, token or channel, with the numbers beside them.

Admins see everyone (optionally one user); other users see their own usage.
"""
from __future__ import annotations

import time

from flask import g, render_template, request

from oneapi.services import web_support
from oneapi.web import bp, formatting
from oneapi.web.access import is_admin, user_page
from oneapi.web.dashboard import cost_chart

PERIODS = (7, 30, 90)
DIMENSIONS = ("model", "user", "token", "channel")


def _range() -> tuple[int, int, dict]:
    """(since, until, form values) from ``days`` or an explicit ``start``/``end``."""
    args = request.args
    form = {"days": args.get("days", ""), "start": args.get("start", ""), "end": args.get("end", "")}
    start, end = formatting.parse_date_input(form["start"]), formatting.parse_date_input(form["end"])
    if start or end:
        until = end + 86399 if end and len(form["end"]) == 10 else (end or int(time.time()))
        return start or 0, until, form
    days = args.get("days", type=int)
    days = days if days in PERIODS else 30
    form["days"] = str(days)
    return web_support.day_start() - (days - 1) * 86400, int(time.time()), form


def _fill_days(rows: list[dict], since: int, until: int) -> list[dict]:
    """Zero rows for days without usage, so the chart's time axis is even."""
    by_day = {r["key"]: r for r in rows}
    if since > 0:
        first = web_support.day_start(since)
    else:  # "from the beginning": start at the first day with usage
        first = min(by_day) if by_day else web_support.day_start(until)
    last = web_support.day_start(until)
    out, day = [], first
    while day <= last and len(out) < 400:
        out.append(by_day.get(day) or {"key": day, "requests": 0, "quota": 0, "prompt_tokens": 0,
                                       "completion_tokens": 0, "cached_tokens": 0})
        day = web_support.day_start(day + 90000)  # next local midnight, DST-safe
    return out


@bp.get("/report")
@user_page
def reports():
    group_by = request.args.get("by", "model")
    group_by = group_by if group_by in DIMENSIONS else "model"
    since, until, form = _range()
    admin = is_admin()
    owner = None if admin else g.user.id
    username = request.args.get("username", "").strip() if admin else ""
    days = _fill_days(web_support.usage_report("day", since, until, user_id=owner, username=username),
                      since, until)
    groups = web_support.usage_report(group_by, since, until, user_id=owner, username=username)
    labels = [time.strftime("%m-%d", time.localtime(r["key"])) for r in days]
    totals = {k: sum(r[k] for r in days) for k in ("requests", "quota", "prompt_tokens", "completion_tokens",
                                                     "cached_tokens")}
    dims = DIMENSIONS if admin else ("model", "token")
    return render_template("reports/index.html", group_by=group_by, dims=dims, form=form, periods=PERIODS,
                           days=days, groups=groups, totals=totals, admin=admin, username=username,
                           day_chart=cost_chart(labels, [r["quota"] for r in days]),
                           request_chart={"type": "line", "labels": labels, "values": [r["requests"] for r in days]},
                           since=since, until=until)
