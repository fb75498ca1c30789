"""Users (admin): list, search, create, edit quota/group/role, enable/disable, promote/demote, delete."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from oneapi.models.constants import ROLE_ADMIN, ROLE_COMMON
from oneapi.services.fields import page_bounds
from oneapi.services.options import options
from oneapi.web import bp, formatting
from oneapi.web.access import admin_page, redirect_back
from oneapi.web.i18n import translate as _
from oneapi.web.service_calls import call, flash_outcome, place_error, users_service

FIELD_HINTS = {"username": ("username", "用户名"), "password": ("password", "密码"),
               "display_name": ("display name", "显示名称"), "email": ("email", "邮箱")}

PAGE_SIZE = 20
ORDERS = ("quota", "used_quota", "request_count")
ACTIONS = {"disable": "User disabled.", "enable": "User enabled.", "delete": "User deleted.",
           "promote": "User promoted to admin.", "demote": "User demoted to common user."}


def _groups() -> list[str]:
    ratios = options.get_json("GroupRatio", {})
    return list(ratios) if isinstance(ratios, dict) else ["default"]


@bp.get("/user")
@admin_page
def users():
    svc = users_service()
    keyword = request.args.get("q", "").strip()
    order = request.args.get("order", "")
    page = max(request.args.get("p", 0, type=int), 0)
    if keyword:
        rows = svc.search_users(keyword)
        total = len(rows)
    else:
        offset, limit = page_bounds(page, PAGE_SIZE, PAGE_SIZE)
        rows, total = svc.list_users(offset, limit, order if order in ORDERS else "")
    return render_template("users/list.html", rows=rows, total=total, page=page, size=PAGE_SIZE, keyword=keyword,
                           order=order)


@bp.route("/user/new", methods=["GET", "POST"])
@admin_page
def users_new():
    values = {"username": "", "display_name": ""}
    errors, form_error = {}, None
    if request.method == "POST":
        values = {"username": request.form.get("username", "").strip(),
                  "display_name": request.form.get("display_name", "").strip()}
        password = request.form.get("password", "")
        if not values["username"]:
            errors["username"] = _("Choose a username.")
        if not 8 <= len(password) <= 20:
            errors["password"] = _("The password must have 8 to 20 characters.")
        if not errors:
            user, form_error = call(users_service().admin_create_user, g.user,
                                    {**values, "password": password})
            form_error = place_error(form_error, errors, FIELD_HINTS)
            if user is not None:
                flash(_("User {name} created.", name=user.username), "success")
                return redirect(url_for("web.users"))
    return render_template("users/new.html", values=values, errors=errors,
                           form_error=form_error), 400 if (errors or form_error) else 200


@bp.route("/user/<int:user_id>/edit", methods=["GET", "POST"])
@admin_page
def users_edit(user_id: int):
    svc = users_service()
    user, err = call(svc.get_user_for, g.user, user_id)
    if user is None:
        flash(err, "error")
        return redirect(url_for("web.users"))
    values = {"username": user.username or "", "display_name": user.display_name or "", "group": user.group or "",
              "quota": formatting.quota_to_input(user.quota), "role": str(user.role), "email": user.email or ""}
    errors, form_error = {}, None
    if request.method == "POST":
        form = request.form
        values = {k: form.get(k, "").strip() for k in values}
        password = form.get("password", "")
        data = {"id": user.id, "username": values["username"], "display_name": values["display_name"],
                "group": values["group"], "email": values["email"], "password": password}
        quota = formatting.quota_from_usd_input(values["quota"])
        if quota is None:
            errors["quota"] = _("Enter a number.")
        else:
            data["quota"] = quota
        if password and not 8 <= len(password) <= 20:
            errors["password"] = _("The password must have 8 to 20 characters.")
        if not values["username"]:
            errors["username"] = _("Choose a username.")
        if values["role"] in (str(ROLE_COMMON), str(ROLE_ADMIN)):
            data["role"] = int(values["role"])
        if not errors:
            updated, form_error = call(svc.admin_update_user, g.user, data)
            form_error = place_error(form_error, errors, FIELD_HINTS)
            if updated is not None:
                flash(_("User {name} saved.", name=updated.username), "success")
                return redirect(url_for("web.users"))
    return render_template("users/edit.html", user=user, values=values, errors=errors, form_error=form_error,
                           groups=_groups()), 400 if (errors or form_error) else 200


@bp.post("/user/<int:user_id>/manage")
@admin_page
def users_manage(user_id: int):
    action = request.form.get("action", "")
    svc = users_service()
    user, err = call(svc.get_user, user_id)
    if user is not None:
        _r, err = call(svc.manage_user, g.user, user.username, action)
    flash_outcome(err, _(ACTIONS.get(action, "Saved.")))
    return redirect_back("web.users")
