"""E-mail verification, password reset and third-party sign-in (/api/verification, /api/reset_password,
/api/user/reset, /api/oauth/...). GitHub and WeChat work as in the original; OIDC and Lark answer as the
original does when switched off, and say that they are not supported otherwise."""
from __future__ import annotations

import secrets

from flask import g, request, session
from flask_login import current_user, login_user

from oneapi.api import bp
from oneapi.api._helpers import fail, json_body, ok, service_errors, turnstile_checked
from oneapi.auth import SessionUser, user_required
from oneapi.services import github_oauth, verification, wechat_auth
from oneapi.services.options import options
from oneapi.services.users import login_view

_PROVIDERS = {  # route name -> (option that enables it, the original's message when it is off)
    "oidc": ("OidcEnabled", "管理员未开启通过 OIDC 登录以及注册"),
    "lark": ("LarkClientId", "管理员未开启通过飞书登录以及注册"),
}


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


@bp.get("/oauth/github")
@service_errors
def github_callback():
    state = request.args.get("state", "")
    if not state or state != session.get("oauth_state"):
        return fail("state is empty or not same", 403)
    if current_user.is_authenticated:  # a signed-in user binds the GitHub account to theirs
        github_oauth.bind(current_user.user, request.args.get("code", ""))
        return ok(message="bind")
    return _signed_in(github_oauth.sign_in(request.args.get("code", "")))


@bp.get("/oauth/<provider>")
def oauth_login(provider: str):
    if provider not in _PROVIDERS:
        return fail("无效的参数")
    switch, off_message = _PROVIDERS[provider]
    enabled = options.get(switch).strip() if switch == "LarkClientId" else options.get_bool(switch)
    if not enabled:
        return fail(off_message)
    return fail("暂不支持通过第三方账户登录，请使用用户名和密码登录")
