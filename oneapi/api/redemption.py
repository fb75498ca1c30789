"""/api/redemption/...: redemption codes (admin)."""
from __future__ import annotations

from flask import g, request

from oneapi.api import bp
from oneapi.api._helpers import flag, json_body, ok, page_args, service_errors
from oneapi.auth import admin_required
from oneapi.services import redemptions
from oneapi.services.redemptions import redemption_to_dict


@bp.get("/redemption/")
@admin_required
def list_redemptions():
    offset, limit = page_args()
    rows, total = redemptions.list_redemptions(offset, limit)
    return ok([redemption_to_dict(r) for r in rows], total=total)


@bp.get("/redemption/search")
@admin_required
def search_redemptions():
    rows = redemptions.search_redemptions(request.args.get("keyword", ""))
    return ok([redemption_to_dict(r) for r in rows])


@bp.get("/redemption/<redemption_id>")
@admin_required
@service_errors
def get_redemption(redemption_id):
    return ok(redemption_to_dict(redemptions.get_redemption(redemption_id)))


@bp.post("/redemption/")
@admin_required
@service_errors
def create_redemptions():
    return ok(redemptions.create_redemptions(g.user.id, json_body()))


@bp.put("/redemption/")
@admin_required
@service_errors
def update_redemption():
    return ok(redemption_to_dict(redemptions.update_redemption(json_body(), status_only=flag("status_only"))))


@bp.delete("/redemption/<redemption_id>")
@admin_required
@service_errors
def delete_redemption(redemption_id):
    redemptions.delete_redemption(redemption_id)
    return ok()
