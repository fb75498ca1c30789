"""Signing in with WeChat through a WeChat login server (options WeChatAuthEnabled, WeChatServerAddress,
WeChatServerToken), as the original: the server turns a code into the user's WeChat id."""
from __future__ import annotations

import requests

from oneapi.models import User
from oneapi.services import users
from oneapi.services.errors import ServiceError
from oneapi.services.options import options

TIMEOUT = 5
MSG_DISABLED = "管理员未开启通过微信登录以及注册"


def wechat_id(code: str) -> str:
    if not code:
        raise ServiceError("无效的参数")
    server = options.get("WeChatServerAddress").rstrip("/")
    try:
        res = requests.get(f"{server}/api/wechat/user", params={"code": code}, timeout=TIMEOUT,
                           headers={"Authorization": options.get("WeChatServerToken")}).json()
    except (requests.RequestException, ValueError):
        raise ServiceError("无法连接至微信服务器，请稍后重试！") from None
    if not isinstance(res, dict) or not res.get("success"):
        raise ServiceError(str((res or {}).get("message") or "微信登录失败") if isinstance(res, dict) else "微信登录失败")
    if not isinstance(res.get("data"), str) or not res["data"]:
        raise ServiceError("验证码错误或已过期")
    return res["data"]


def sign_in(code: str) -> User:
    if not options.get_bool("WeChatAuthEnabled"):
        raise ServiceError(MSG_DISABLED)
    return users.external_sign_in(User.wechat_id, wechat_id(code), "wechat", "WeChat User")


def bind(user: User, code: str) -> None:
    if not options.get_bool("WeChatAuthEnabled"):
        raise ServiceError(MSG_DISABLED)
    wid = wechat_id(code)
    users.bind_external(user, User.wechat_id, wid, "该微信账号已被绑定")
