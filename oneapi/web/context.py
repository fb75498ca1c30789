"""What every template sees: translation, CSRF token, navigation, formatting helpers; and the language switch."""
from __future__ import annotations

from flask import g, redirect, request, url_for

from oneapi.models.constants import ROLE_ADMIN, ROLE_COMMON, ROLE_ROOT
from oneapi.services.options import options
from oneapi.web import bp, formatting
from oneapi.web.access import is_local_path
from oneapi.web.csrf import csrf_token
from oneapi.web.i18n import COOKIE, LANGUAGES, current_language, translate

# (endpoint, label, minimum role, icon name); the server checks the role again on every page.
NAVIGATION = (
    ("web.dashboard", "Dashboard", ROLE_COMMON, "home"),
    ("web.channels", "Channels", ROLE_ADMIN, "server"),
    ("web.tokens", "Tokens", ROLE_COMMON, "key"),
    ("web.logs", "Logs", ROLE_COMMON, "list"),
    ("web.reports", "Reports", ROLE_COMMON, "chart"),
    ("web.users", "Users", ROLE_ADMIN, "users"),
    ("web.redemptions", "Redemption codes", ROLE_ADMIN, "ticket"),
    ("web.topup", "Top up", ROLE_COMMON, "wallet"),
    ("web.pricing", "Pricing", 0, "tag"),
    ("web.settings", "Settings", ROLE_ROOT, "settings"),
)


def _viewer():
    """The signed-in user (pages set ``g.user``; error pages fall back to the session)."""
    user = getattr(g, "user", None)
    if user is None:
        from flask_login import current_user
        if current_user.is_authenticated:
            user = current_user.user
    return user


def _navigation():
    user = _viewer()
    role = user.role if user is not None else 0  # visitors see the public pages (minimum role 0)
    return [(endpoint, label, icon) for endpoint, label, min_role, icon in NAVIGATION if role >= min_role]


@bp.app_context_processor
def _template_context():
    if request.blueprint not in ("web", None):
        return {}
    return {
        "_": translate,
        "lang": current_language(),
        "languages": LANGUAGES,
        "csrf_token": csrf_token,
        "navigation": _navigation,
        "viewer": _viewer(),
        "system_name": options.get("SystemName") or "One API",
        "footer_html": options.get("Footer"),
        "fmt": formatting,
        "ROLE_ADMIN": ROLE_ADMIN,
        "ROLE_ROOT": ROLE_ROOT,
    }


@bp.get("/lang/<code>")
def switch_language(code: str):
    target = request.args.get("next", "")
    if not is_local_path(target):
        target = url_for("web.dashboard")
    response = redirect(target)
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
