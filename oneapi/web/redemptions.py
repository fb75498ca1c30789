"""Redemption codes (admin: bulk create, list, search, enable/disable, delete) and the top-up page (users)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from oneapi.models.constants import REDEMPTION_DISABLED, REDEMPTION_ENABLED
from oneapi.services.fields import page_bounds
from oneapi.services.options import options
from oneapi.web import bp, formatting
from oneapi.web.access import admin_page, redirect_back, user_page
from oneapi.web.i18n import translate as _
from oneapi.web.service_calls import call, flash_outcome, redemptions_service

PAGE_SIZE = 20


@bp.get("/redemption")
@admin_page
def redemptions():
    svc = redemptions_service()
    keyword = request.args.get("q", "").strip()
    page = max(request.args.get("p", 0, type=int), 0)
    if keyword:
        rows = svc.search_redemptions(keyword)
        total = len(rows)
    else:
        offset, limit = page_bounds(page, PAGE_SIZE, PAGE_SIZE)
        rows, total = svc.list_redemptions(offset, limit)
    return render_template("redemptions/list.html", rows=rows, total=total, page=page, size=PAGE_SIZE,
                           keyword=keyword, new_codes=None, values={"name": "", "quota": "", "count": "1"},
                           errors={}, form_error=None)


@bp.route("/redemption/new", methods=["GET", "POST"])
@admin_page
def redemptions_new():
    if request.method == "GET":  # e.g. "back" to the page the new codes were shown on
        return redirect(url_for("web.redemptions"))
    form = request.form
    values = {"name": form.get("name", "").strip(), "quota": form.get("quota", "").strip(),
              "count": form.get("count", "1").strip()}
    errors = {}
    if not 1 <= len(values["name"]) <= 20:
        errors["name"] = _("The name must have 1 to 20 characters.")
    quota = formatting.quota_from_usd_input(values["quota"])
    if quota is None or quota <= 0:
        errors["quota"] = _("Enter an amount greater than zero.")
    if not values["count"].isdigit() or not 1 <= int(values["count"]) <= 100:
        errors["count"] = _("Create between 1 and 100 codes at a time.")
    form_error, keys = None, None
    if not errors:
        keys, form_error = call(redemptions_service().create_redemptions, g.user.id,
                                {"name": values["name"], "quota": quota, "count": int(values["count"])})
        if keys is not None:
            # Shown in this answer only (up to 100 codes do not fit in the session cookie).
            flash(_("{n} code(s) created.", n=len(keys)), "success")
            values = {"name": "", "quota": "", "count": "1"}
    svc = redemptions_service()
    rows, total = svc.list_redemptions(0, PAGE_SIZE)
    failed = bool(errors or form_error)
    return render_template("redemptions/list.html", rows=rows, total=total, page=0, size=PAGE_SIZE, keyword="",
                           new_codes=None if failed else keys, values=values, errors=errors,
                           form_error=form_error), 400 if failed else 200


@bp.post("/redemption/<int:redemption_id>/status")
@admin_page
def redemptions_status(redemption_id: int):
    enable = request.form.get("enable") == "1"
    _r, err = call(redemptions_service().update_redemption,
                   {"id": redemption_id, "status": REDEMPTION_ENABLED if enable else REDEMPTION_DISABLED},
                   status_only=True)
    flash_outcome(err, _("Code enabled.") if enable else _("Code disabled."))
    return redirect_back("web.redemptions")


@bp.post("/redemption/<int:redemption_id>/delete")
@admin_page
def redemptions_delete(redemption_id: int):
    _r, err = call(redemptions_service().delete_redemption, redemption_id)
    flash_outcome(err, _("Code deleted."))
    return redirect_back("web.redemptions")


@bp.route("/topup", methods=["GET", "POST"])
@user_page
def topup():
    errors, key = {}, ""
    if request.method == "POST":
        key = request.form.get("key", "").strip()
        if not key:
            errors["key"] = _("Enter a redemption code.")
        else:
            added, err = call(redemptions_service().redeem, key, g.user.id)
            if err:
                errors["key"] = err
            else:
                flash(_("Added {amount} to your balance.", amount=formatting.quota(added)), "success")
                return redirect(url_for("web.topup"))
    from oneapi.models import User
    user = User.get_by_id(g.user.id)
    return render_template("redemptions/topup.html", user=user, key=key, errors=errors,
                           top_up_link=options.get("TopUpLink")), 400 if errors else 200
