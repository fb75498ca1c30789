"""Placeholder (being built)."""
from flask import render_template

from oneapi.web import bp
from oneapi.web.access import user_page


@bp.get("/reports")
@user_page
def reports():
    return render_template("placeholder.html")
