"""Role checks for pages: every page states the role it needs and the server enforces it (not just the menu)."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import g, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from oneapi.models.constants import ROLE_ADMIN, ROLE_COMMON, ROLE_ROOT, USER_ENABLED


def _safe_next() -> str:
    path = request.full_path if request.query_string else request.path
    return path if is_local_path(path) else "/"


def page(min_role: int = ROLE_COMMON) -> Callable:
    """Decorator: the visitor must be signed in, enabled and at least ``min_role``; sets ``g.user``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("web.login", next=_safe_next()))
            user = current_user.user
            if user.status != USER_ENABLED:
                logout_user()
                return redirect(url_for("web.login"))
            g.user = user
            if user.role < min_role:
                return render_template("errors/403.html"), 403
            return view(*args, **kwargs)

        return wrapper

    return decorator


user_page = page(ROLE_COMMON)
admin_page = page(ROLE_ADMIN)
root_page = page(ROLE_ROOT)


def _signed_in_with(min_role: int) -> bool:
    user = getattr(g, "user", None)
    return user is not None and user.role >= min_role


def is_admin() -> bool:
    return _signed_in_with(ROLE_ADMIN)


def is_root() -> bool:
    return _signed_in_with(ROLE_ROOT)


def redirect_back(default_endpoint: str, **values):
    """Back to the page the form was on (same site only), else to ``default_endpoint``."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return redirect(referrer)
    return redirect(url_for(default_endpoint, **values))


def is_local_path(target: str) -> bool:
    """A redirect target on this site: a path, never ``//host`` or ``/\\host`` (browsers read both as a host)."""
    return target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target[:3]
