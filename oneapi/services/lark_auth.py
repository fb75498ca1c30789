"""Signing in with Lark / Feishu (LarkClientId, LarkClientSecret), as the original."""
from __future__ import annotations

import requests

from oneapi.models import User
from oneapi.services import users
from oneapi.services.errors import ServiceError
from oneapi.services.options import options

TOKEN_URL = "https://passport.feishu.cn/suite/passport/oauth/token"
USER_URL = "https://passport.feishu.cn/suite/passport/oauth/userinfo"
TIMEOUT = 5
MSG_DISABLED = "管理员未开启通过飞书登录以及注册"


def enabled() -> bool:
    return bool(options.get("LarkClientId").strip())


def lark_user(code: str) -> dict:
    if not code:
        raise ServiceError("无效的参数")
    server = (options.get("ServerAddress") or "http://localhost:3000").rstrip("/")
    try:
        token = requests.post(TOKEN_URL, timeout=TIMEOUT, auth=(options.get("LarkClientId"),
                                                                 options.get("LarkClientSecret")),
                              json={"grant_type": "authorization_code", "code": code,
                                    "redirect_uri": f"{server}/oauth/lark"}).json()
        info = requests.get(USER_URL, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {token.get('access_token', '')}"}).json()
    except (requests.RequestException, ValueError, AttributeError):
        raise ServiceError("无法连接至飞书服务器，请稍后重试！") from None
    if not isinstance(info, dict) or not isinstance(info.get("open_id"), str) or not info["open_id"]:
        raise ServiceError("返回值非法，用户字段为空，请稍后重试！")
    return {"open_id": info["open_id"], "name": info.get("name") if isinstance(info.get("name"), str) else ""}


def sign_in(code: str) -> User:
    if not enabled():
        raise ServiceError(MSG_DISABLED)
    info = lark_user(code)
    return users.external_sign_in(User.lark_id, info["open_id"], "lark", info["name"] or "Lark User")


def bind(user: User, code: str) -> None:
    if not enabled():
        raise ServiceError(MSG_DISABLED)
    open_id = lark_user(code)["open_id"]
    users.bind_external(user, User.lark_id, open_id, "该飞书账户已被绑定")
