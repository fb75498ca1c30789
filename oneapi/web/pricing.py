"""Placeholder (being built)."""
from flask import render_template

from oneapi.web import bp


@bp.get("/pricing")
def pricing():
    return render_template("placeholder.html")
