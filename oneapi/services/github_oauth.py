"""Signing in with GitHub (option GitHubOAuthEnabled, GitHubClientId/GitHubClientSecret), as the original:
the code is exchanged for a token, the GitHub login is matched against ``users.github_id``; unknown logins get a
new account ``github_<n>`` when sign-up is open; a signed-in user binds their GitHub account instead."""
from __future__ import annotations

import requests

from oneapi.models import User
from oneapi.services import users
from oneapi.services.errors import ServiceError
from oneapi.services.options import options

TOKEN_URL = "https://github.com/login/oauth/access_token"
USER_URL = "https://api.github.com/user"
TIMEOUT = 5
MSG_DISABLED = "管理员未开启通过 GitHub 登录以及注册"
MSG_UNREACHABLE = "无法连接至 GitHub 服务器，请稍后重试！"


def github_login(code: str) -> dict:
    """Exchange an OAuth ``code`` for the GitHub user: {login, name, email}."""
    if not code:
        raise ServiceError("无效的参数")
    try:
        token = requests.post(TOKEN_URL, timeout=TIMEOUT, headers={"Accept": "application/json"},
                              json={"client_id": options.get("GitHubClientId"),
                                    "client_secret": options.get("GitHubClientSecret"), "code": code}).json()
        info = requests.get(USER_URL, timeout=TIMEOUT, headers={
            "Authorization": f"Bearer {token.get('access_token', '')}", "Accept": "application/json"}).json()
    except (requests.RequestException, ValueError, AttributeError):
        raise ServiceError(MSG_UNREACHABLE) from None
    if not isinstance(info, dict) or not isinstance(info.get("login"), str) or not info["login"]:
        raise ServiceError("返回值非法，用户字段为空，请稍后重试！")
    return {"login": info["login"], "name": info.get("name") or "", "email": info.get("email") or ""}


def sign_in(code: str) -> User:
    """The account of this GitHub login, created first when unknown and sign-up is open."""
    if not options.get_bool("GitHubOAuthEnabled"):
        raise ServiceError(MSG_DISABLED)
    gh = github_login(code)
    return users.external_sign_in(User.github_id, gh["login"], "github", gh["name"] or "GitHub User", gh["email"])


def bind(user: User, code: str) -> None:
    if not options.get_bool("GitHubOAuthEnabled"):
        raise ServiceError(MSG_DISABLED)
    users.bind_external(user, User.github_id, github_login(code)["login"], "该 GitHub 账户已被绑定")
