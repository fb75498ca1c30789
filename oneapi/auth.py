"""Who is calling the management API and the web pages: the login session (flask-login) or an access token.

The session cookie is Flask's signed ``session`` cookie (the original's name). Management API callers without
a session may send ``Authorization: <access token>`` (a leading ``Bearer `` is accepted). Failures answer as the
original does: 401 without credentials, otherwise HTTP 200 with ``success: false``.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import g, jsonify, request
from flask_login import LoginManager, UserMixin, current_user

from oneapi.models import User
from oneapi.models.constants import ROLE_ADMIN, ROLE_COMMON, ROLE_ROOT, USER_ENABLED

login_manager = LoginManager()

MSG_NOT_LOGGED_IN = "无权进行此操作，未登录且未提供 access token"
MSG_BAD_ACCESS_TOKEN = "无权进行此操作，access token 无效"
MSG_BANNED = "用户已被封禁"
MSG_NO_PERMISSION = "无权进行此操作，权限不足"


class SessionUser(UserMixin):
    """The flask-login view of a ``users`` row."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.id = str(user.id)

    @property
    def is_active(self) -> bool:
        return self.user.status == USER_ENABLED


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    # Read fresh on every request so that a disabled or demoted user loses access at once.
    if not user_id.isdigit():
        return None
    user = User.get_or_none(User.id == int(user_id))
    return SessionUser(user) if user is not None else None


def _fail(message: str, status: int = 200):
    return jsonify({"success": False, "message": message}), status


def authenticate_api() -> tuple[User | None, object | None]:
    """Resolve the caller of a management API route: (user, None) or (None, error response)."""
    if current_user.is_authenticated:
        return current_user.user, None
    header = request.headers.get("Authorization", "").strip()
    if header.startswith("Bearer "):
        header = header[len("Bearer "):].strip()
    if not header:
        return None, _fail(MSG_NOT_LOGGED_IN, 401)
    user = User.get_or_none(User.access_token == header)
    if user is None or (user.access_token or "") != header:  # MySQL compares case-insensitively
        return None, _fail(MSG_BAD_ACCESS_TOKEN)
    return user, None


def require_role(min_role: int) -> Callable:
    """Decorator for /api routes: the caller must be enabled and have at least ``min_role``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user, error = authenticate_api()
            if error is not None:
                return error
            if user.status != USER_ENABLED:
                return _fail(MSG_BANNED)
            if user.role < min_role:
                return _fail(MSG_NO_PERMISSION)
            g.user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator


user_required = require_role(ROLE_COMMON)
admin_required = require_role(ROLE_ADMIN)
root_required = require_role(ROLE_ROOT)
