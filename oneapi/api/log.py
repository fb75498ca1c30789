"""/api/log/...: request and system logs, for admins (everyone's) and for users (their own, ids hidden)."""
from __future__ import annotations

from flask import g, request

from oneapi.api import bp
from oneapi.api._helpers import ok, page_args, service_errors
from oneapi.auth import admin_required, user_required
from oneapi.services import logs


@bp.get("/log/")
@admin_required
def list_logs():
    offset, limit = page_args()
    rows, total = logs.list_logs(logs.parse_filters(request.args), offset, limit)
    return ok(rows, total=total)


@bp.delete("/log/")
@admin_required
@service_errors
def delete_old_logs():
    return ok(logs.delete_before(request.args.get("target_timestamp")))


@bp.get("/log/stat")
@admin_required
def log_stat():
    return ok({"quota": logs.sum_used_quota(logs.parse_filters(request.args))})


@bp.get("/log/search")
@admin_required
def search_logs():
    return ok(logs.search_logs(request.args.get("keyword", "")))


@bp.get("/log/self")
@user_required
def list_own_logs():
    offset, limit = page_args()
    rows, total = logs.list_logs(logs.parse_filters(request.args), offset, limit, user_id=g.user.id)
    return ok(rows, total=total)


@bp.get("/log/self/stat")
@user_required
def own_log_stat():
    return ok({"quota": logs.sum_used_quota(logs.parse_filters(request.args), user_id=g.user.id)})


@bp.get("/log/self/search")
@user_required
def search_own_logs():
    return ok(logs.search_logs(request.args.get("keyword", ""), user_id=g.user.id))
