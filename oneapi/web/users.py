"""Placeholder (being built)."""
from flask import render_template

from oneapi.web import bp
from oneapi.web.access import admin_page


@bp.get("/users")
@admin_page
def users():
    return render_template("placeholder.html")
