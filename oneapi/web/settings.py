"""Placeholder (being built)."""
from flask import render_template

from oneapi.web import bp
from oneapi.web.access import root_page


@bp.get("/settings")
@root_page
def settings():
    return render_template("placeholder.html")
