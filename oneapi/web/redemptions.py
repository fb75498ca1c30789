"""Placeholder (being built)."""
from flask import render_template

from oneapi.web import bp
from oneapi.web.access import admin_page, user_page


@bp.get("/redemptions")
@admin_page
def redemptions():
    return render_template("placeholder.html")


@bp.get("/topup")
@user_page
def topup():
    return render_template("placeholder.html")
