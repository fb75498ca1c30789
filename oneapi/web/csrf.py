"""A session-bound CSRF token for every state-changing page request.

The token lives in the signed session cookie; forms send it as the hidden field ``csrf_token`` and scripts as
the ``X-CSRF-Token`` header. A request without the matching token never reaches the view.
"""
from __future__ import annotations

import hmac
import secrets

from flask import render_template, request, session

from oneapi.web import bp

SESSION_KEY = "_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token() -> str:
    """This session's token (created on first use)."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def is_valid(sent: str | None) -> bool:
    expected = session.get(SESSION_KEY)
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))


def rotate() -> None:
    """A new token after sign-in/out, so a token seen before login is worthless after it."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)


@bp.before_request
def _check_csrf():
    if request.method in SAFE_METHODS:
        return None
    sent = request.form.get(FIELD) or request.headers.get(HEADER)
    if is_valid(sent):
        return None
    return render_template("errors/csrf.html"), 400
