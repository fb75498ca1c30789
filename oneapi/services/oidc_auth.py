"""Signing in with an OpenID Connect provider (OidcEnabled, OidcClientId/Secret, OidcTokenEndpoint,
OidcUserinfoEndpoint), as the original: authorization code -> access token -> userinfo ``sub``."""
from __future__ import annotations

import requests

from oneapi.models import User
from oneapi.services import users
from oneapi.services.errors import ServiceError
from oneapi.services.options import options

TIMEOUT = 5
MSG_DISABLED = "管理员未开启通过 OIDC 登录以及注册"


def oidc_user(code: str) -> dict:
    if not code:
        raise ServiceError("无效的参数")
    server = (options.get("ServerAddress") or "http://localhost:3000").rstrip("/")
    try:
        token = requests.post(options.get("OidcTokenEndpoint"), timeout=TIMEOUT, headers={"Accept": "application/json"},
                              data={"client_id": options.get("OidcClientId"),
                                    "client_secret": options.get("OidcClientSecret"), "code": code,
                                    "grant_type": "authorization_code", "redirect_uri": f"{server}/oauth/oidc"}).json()
        info = requests.get(options.get("OidcUserinfoEndpoint"), timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {token.get('access_token', '')}"}).json()
    except (requests.RequestException, ValueError, AttributeError):
        raise ServiceError("无法连接至 OIDC 服务器，请稍后重试！") from None
    if not isinstance(info, dict) or not isinstance(info.get("sub"), str) or not info["sub"]:
        raise ServiceError("返回值非法，用户字段为空，请稍后重试！")
    return {k: info.get(k) if isinstance(info.get(k), str) else "" for k in ("sub", "email", "name",
                                                                            "preferred_username")}


def sign_in(code: str) -> User:
    if not options.get_bool("OidcEnabled"):
        raise ServiceError(MSG_DISABLED)
    info = oidc_user(code)
    existing = User.select().where(User.oidc_id == info["sub"]).first()
    preferred = info["preferred_username"]
    if existing is None and preferred and len(preferred) <= users.USERNAME_MAX \
            and not User.select().where(User.username == preferred).exists():
        return users.external_sign_in(User.oidc_id, info["sub"], "", info["name"] or "OIDC User", info["email"],
                                      username=preferred)
    return users.external_sign_in(User.oidc_id, info["sub"], "oidc", info["name"] or "OIDC User", info["email"])


def bind(user: User, code: str) -> None:
    if not options.get_bool("OidcEnabled"):
        raise ServiceError(MSG_DISABLED)
    sub = oidc_user(code)["sub"]
    users.bind_external(user, User.oidc_id, sub, "该 OIDC 账户已被绑定")
