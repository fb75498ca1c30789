"""The public pricing page: every model the gateway serves, with its price per million tokens."""
from __future__ import annotations

from flask import g, render_template, request
from flask_login import current_user

from oneapi.billing import ratio as ratios
from oneapi.billing.prices import RATIO_PER_USD_PER_MILLION
from oneapi.services import web_support
from oneapi.services.options import options
from oneapi.web import bp


def _usd_per_million(ratio: float) -> float:
    return ratio / RATIO_PER_USD_PER_MILLION


@bp.get("/pricing")
def pricing():
    if current_user.is_authenticated:
        g.user = current_user.user
    keyword = request.args.get("q", "").strip().lower()
    opts = options.all()
    rows = []
    for model, groups in web_support.served_models().items():
        if keyword and keyword not in model.lower():
            continue
        price = ratios.resolve_pricing(model, options=opts)
        cached = price.cached_input_ratio
        rows.append({"model": model, "groups": groups, "known": price.known,
                     "input": _usd_per_million(price.ratio),
                     "output": _usd_per_million(price.ratio * price.completion_ratio),
                     "cached": None if cached == 0 else (0.0 if cached < 0 else _usd_per_million(cached))})
    group_ratios = options.get_json("GroupRatio", {})
    return render_template("pricing.html", rows=rows, keyword=keyword,
                           group_ratios=group_ratios if isinstance(group_ratios, dict) else {})
