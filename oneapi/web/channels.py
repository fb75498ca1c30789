"""Placeholder (being built)."""
from flask import render_template

from oneapi.web import bp
from oneapi.web.access import admin_page


@bp.get("/channels")
@admin_page
def channels():
    return render_template("placeholder.html")
