"""Server-rendered admin pages (templates/ and static/ at the repository root).

Every page module registers its routes on ``bp`` when imported. Pages hold no business rules: they read with
small queries and change data only through ``oneapi.services``.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from oneapi.billing import batch

bp = Blueprint("web", __name__)


@bp.before_request
def _read_your_writes():
    if request.method == "GET":  # pages show logs and balances: write what this worker queued first
        batch.flush_for_read()

# Importing the page modules registers their routes (and the request hooks of csrf/i18n/context).
from oneapi.web import context, csrf  # noqa: E402,F401
from oneapi.web import (  # noqa: E402,F401
    auth_pages, channels, dashboard, logs, pricing, redemptions, reports, settings, tokens, users,
)


def not_found_page():
    """The 404 page for any path that is neither API nor relay."""
    return render_template("errors/404.html"), 404
