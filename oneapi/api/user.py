"""/api/user/...: sign-up, login, self-service, access tokens, redemption, and user administration."""
from __future__ import annotations

from flask import g, request, session
from flask_login import login_user, logout_user

from oneapi.api import bp
from oneapi.api._helpers import fail, json_body, ok, page_args, service_errors, turnstile_checked
from oneapi.auth import SessionUser, admin_required, user_required
from oneapi.services import logs, redemptions, users
from oneapi.services.users import user_to_dict


# ------------------------------------------------------------------------------------------- sign-in

@bp.post("/user/login")
@service_errors
def login():
    data = json_body()
    user = users.login(data.get("username"), data.get("password"))
    session.clear()
    if not login_user(SessionUser(user)):
        return fail("无法保存会话信息，请重试")
    session.permanent = True  # lifetime = COOKIE_MAXAGE_HOURS (PERMANENT_SESSION_LIFETIME)
    return ok(users.login_view(user))


@bp.get("/user/logout")
def logout():
    logout_user()
    session.clear()
    return ok()


@bp.post("/user/register")
@turnstile_checked
@service_errors
def register():
    users.register(json_body())
    return ok()


# ---------------------------------------------------------------------------------------------- self

@bp.get("/user/self")
@user_required
def get_self():
    return ok(user_to_dict(g.user))


@bp.put("/user/self")
@user_required
@service_errors
def update_self():
    users.update_self(g.user, json_body())
    return ok()


@bp.delete("/user/self")
@user_required
@service_errors
def delete_self():
    users.delete_self(g.user)
    logout_user()
    session.clear()
    return ok()


@bp.get("/user/token")
@user_required
def rotate_access_token():
    return ok(users.rotate_access_token(g.user))


@bp.get("/user/aff")
@user_required
@service_errors
def aff_code():
    return ok(users.aff_code(g.user))


@bp.post("/user/topup")
@user_required
@service_errors
def redeem():
    return ok(redemptions.redeem(json_body().get("key"), g.user.id))


@bp.get("/user/available_models")
@user_required
def available_models():
    return ok(users.available_models(g.user))


@bp.get("/user/dashboard")
@user_required
def dashboard():
    try:
        return ok(logs.dashboard(g.user.id))
    except Exception:  # noqa: BLE001 - the original answers with a plain failure here
        return fail("无法获取统计信息")


# ------------------------------------------------------------------------------------ administration

@bp.get("/user/")
@admin_required
def list_users():
    offset, limit = page_args()
    rows, total = users.list_users(offset, limit, request.args.get("order", ""))
    return ok([user_to_dict(u) for u in rows], total=total)


@bp.get("/user/search")
@admin_required
def search_users():
    return ok([user_to_dict(u) for u in users.search_users(request.args.get("keyword", ""))])


@bp.get("/user/<user_id>")
@admin_required
@service_errors
def get_user(user_id):
    return ok(user_to_dict(users.get_user_for(g.user, user_id)))


@bp.post("/user/")
@admin_required
@service_errors
def create_user():
    users.admin_create_user(g.user, json_body())
    return ok()


@bp.put("/user/")
@admin_required
@service_errors
def update_user():
    return ok(user_to_dict(users.admin_update_user(g.user, json_body())))


@bp.delete("/user/<user_id>")
@admin_required
@service_errors
def delete_user(user_id):
    users.admin_delete_user(g.user, user_id)
    return ok()


@bp.post("/user/manage")
@admin_required
@service_errors
def manage_user():
    data = json_body()
    user = users.manage_user(g.user, data.get("username"), data.get("action"))
    return ok(users.sparse_view(user, "role", "status"))


@bp.post("/topup")
@admin_required
@service_errors
def admin_top_up():
    users.admin_top_up(json_body())
    return ok()
