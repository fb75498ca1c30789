"""The dashboard: the viewer's own quota, requests, tokens and cost over the last 7 or 30 days."""
from __future__ import annotations

import time
from collections import defaultdict

from flask import g, render_template, request

from oneapi.services import web_support
from oneapi.services.options import options
from oneapi.web import bp, formatting
from oneapi.web.access import user_page

PERIODS = (7, 30)


def daily_series(rows: list[dict], days: int, end: int | None = None) -> dict:
    """Per-day totals with zero-filled gaps, plus totals and models ranked by cost."""
    today = web_support.day_start(end)
    starts = [today - (days - 1 - i) * 86400 for i in range(days)]
    per_day = {d: {"requests": 0, "quota": 0, "tokens": 0} for d in starts}
    per_model = defaultdict(lambda: {"requests": 0, "quota": 0, "tokens": 0})
    for r in rows:
        bucket = per_day.get(r["day"])
        if bucket is None:
            continue
        tokens = r["prompt_tokens"] + r["completion_tokens"]
        for target in (bucket, per_model[r["model"] or "—"]):
            target["requests"] += r["requests"]
            target["quota"] += r["quota"]
            target["tokens"] += tokens
    totals = {k: sum(b[k] for b in per_day.values()) for k in ("requests", "quota", "tokens")}
    models = sorted(per_model.items(), key=lambda kv: (-kv[1]["quota"], -kv[1]["requests"]))
    return {"labels": [time.strftime("%m-%d", time.localtime(d)) for d in starts],
            "requests": [per_day[d]["requests"] for d in starts],
            "quota": [per_day[d]["quota"] for d in starts],
            "tokens": [per_day[d]["tokens"] for d in starts],
            "totals": totals, "models": models}


@bp.get("/dashboard")
@user_page
def dashboard():
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else 7
    since = web_support.day_start() - (days - 1) * 86400
    series = daily_series(web_support.consume_by_day_and_model(since, user_id=g.user.id), days)
    return render_template("dashboard.html", user=g.user, days=days, periods=PERIODS, series=series,
                           cost_chart=cost_chart(series["labels"], series["quota"]),
                           notice=options.get("Notice"))


def cost_chart(labels: list[str], quotas: list[int]) -> dict:
    """Chart data for a quota series, in dollars when the operator displays money."""
    if formatting.show_currency():
        per_unit = formatting.quota_per_unit()
        return {"type": "bar", "labels": labels, "values": [round(q / per_unit, 6) for q in quotas],
                "format": "usd"}
    return {"type": "bar", "labels": labels, "values": quotas, "format": "number"}
