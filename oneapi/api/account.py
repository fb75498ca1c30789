"""E-mail verification, password reset and third-party sign-in (/api/verification, /api/reset_password,
/api/user/reset, /api/oauth/...): GitHub, OIDC, Lark and WeChat work as in the original."""
from __future__ import annotations

import secrets

from flask import g, request, session
from flask_login import current_user, login_user

from oneapi.api import bp
from oneapi.api._helpers import fail, json_body, ok, service_errors, turnstile_checked
from oneapi.auth import SessionUser, user_required
from oneapi.services import github_oauth, lark_auth, oidc_auth, verification, wechat_auth
from oneapi.services.users import login_view


@bp.get("/verification")
@turnstile_checked
@service_errors
def send_email_verification():
    verification.send_verification(request.args.get("email", ""))
    return ok()


@bp.get("/reset_password")
@turnstile_checked
@service_errors
def send_password_reset():
    verification.send_password_reset(request.args.get("email", ""))
    return ok()


@bp.post("/user/reset")
@service_errors
def reset_password():
    data = json_body()
    return ok(verification.reset_password(data.get("email"), data.get("token")))


@bp.get("/oauth/email/bind")
@user_required
@service_errors
def bind_email():
    verification.bind_email(g.user, request.args.get("email", ""), request.args.get("code", ""))
    return ok()


@bp.get("/oauth/state")
def oauth_state():
    state = secrets.token_urlsafe(9)[:12]
    session["oauth_state"] = state
    return ok(state)


@bp.get("/oauth/wechat/bind")
@user_required
@service_errors
def bind_wechat():
    wechat_auth.bind(g.user, request.args.get("code", ""))
    return ok()


@bp.get("/oauth/wechat")
@service_errors
def wechat_callback():
    return _signed_in(wechat_auth.sign_in(request.args.get("code", "")))


def _signed_in(user):
    login_user(SessionUser(user))
    session.permanent = True
    return ok(login_view(user))


def _state_matches() -> bool:
    state = request.args.get("state", "")
    return bool(state) and state == session.get("oauth_state")


def _oauth_callback(provider):
    """The original's GitHub/OIDC/Lark callback: the state must match; a signed-in user binds the account."""
    if not _state_matches():
        return fail("state is empty or not same", 403)
    code = request.args.get("code", "")
    if current_user.is_authenticated:
        provider.bind(current_user.user, code)
        return ok(message="bind")
    return _signed_in(provider.sign_in(code))


@bp.get("/oauth/github")
@service_errors
def github_callback():
    return _oauth_callback(github_oauth)


@bp.get("/oauth/oidc")
@service_errors
def oidc_callback():
    return _oauth_callback(oidc_auth)


@bp.get("/oauth/lark")
@service_errors
def lark_callback():
    return _oauth_callback(lark_auth)
