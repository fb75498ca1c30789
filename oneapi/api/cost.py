"""GET /api/cost/request/<request_id>: what a relayed request cost (the fork's per-request cost lookup).

Unauthenticated, as in the fork: the request id (the ``X-Oneapi-Request-Id`` response header) is the secret.
A found row is returned bare, not enveloped, with ``cost_usd = quota / 500000`` (fixed, whatever
QuotaPerUnit says). The row holds the estimate while the request runs, the final quota once it is settled,
and 0 when it failed; rows are kept for 7 days.

Not found: the fork answers HTTP 200 with ``{"success": false, "message": ...}`` (and then, by a missing
``return``, a stray ``null``). We keep HTTP 200 and the envelope, without the stray ``null``, so clients that
check ``success`` keep working and the body is valid JSON.
"""
from __future__ import annotations

from flask import jsonify

from oneapi.api import bp
from oneapi.models import UserRequestCost
from oneapi.models.constants import QUOTA_PER_USD


def cost_dict(row: UserRequestCost) -> dict:
    quota = row.quota or 0
    return {"id": row.id, "created_time": row.created_time or 0, "user_id": row.user_id or 0,
            "request_id": row.request_id, "quota": quota, "cost_usd": quota / QUOTA_PER_USD,
            "created_at": row.created_at or 0, "updated_at": row.updated_at or 0}


@bp.get("/cost/request/<request_id>")
def request_cost(request_id: str):
    request_id = request_id.strip()
    row = UserRequestCost.get_or_none(UserRequestCost.request_id == request_id) if request_id else None
    if row is None or row.request_id != request_id:
        return jsonify({"success": False, "message": f"no cost recorded for request id {request_id!r}"})
    return jsonify(cost_dict(row))
