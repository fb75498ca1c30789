"""Tokens: the viewer's own API keys — list, create, edit, enable/disable, delete, copy the key."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from oneapi.models.constants import TOKEN_DISABLED, TOKEN_ENABLED
from oneapi.services.fields import page_bounds
from oneapi.web import bp, formatting
from oneapi.web.access import redirect_back, user_page
from oneapi.web.i18n import translate as _
from oneapi.web.service_calls import call, flash_outcome, place_error, tokens_service, users_service

FIELD_HINTS = {"subnet": ("subnet", "网段"), "name": ("token name", "名称"), "models": ("models",)}

PAGE_SIZE = 20
SORTS = ("remain_quota", "used_quota")


@bp.get("/token")
@user_page
def tokens():
    svc = tokens_service()
    keyword = request.args.get("q", "").strip()
    sort = request.args.get("sort", "")
    page = request.args.get("p", 0, type=int)
    if keyword:
        rows, total = svc.search_tokens(g.user.id, keyword), None
    else:
        offset, limit = page_bounds(page, PAGE_SIZE, PAGE_SIZE)
        rows, total = svc.list_tokens(g.user.id, offset, limit, sort if sort in SORTS else "")
    created = request.args.get("created", type=int)
    created_token = next((t for t in rows if t.id == created), None) if created else None
    if created and created_token is None:
        created_token, _err = call(svc.get_token, g.user.id, created)
    return render_template("tokens/list.html", rows=rows, total=total if total is not None else len(rows),
                           page=max(page, 0), size=PAGE_SIZE, keyword=keyword, sort=sort,
                           display_key=svc.display_key, created_token=created_token)


def _form_values(token=None) -> dict:
    if token is None:
        return {"name": "", "unlimited": False, "remain_quota": "", "expires": "", "models": "", "subnet": ""}
    return {"name": token.name or "", "unlimited": bool(token.unlimited_quota),
            "remain_quota": formatting.quota_to_input(token.remain_quota),
            "expires": formatting.date_input(token.expired_time), "models": token.models or "",
            "subnet": token.subnet or ""}


def _read_form(errors: dict) -> tuple[dict, dict]:
    """(values to show again, data for the service)."""
    form = request.form
    values = {"name": form.get("name", "").strip(), "unlimited": bool(form.get("unlimited")),
              "remain_quota": form.get("remain_quota", "").strip(), "expires": form.get("expires", "").strip(),
              "models": form.get("models", "").strip(), "subnet": form.get("subnet", "").strip()}
    if not values["name"]:
        errors["name"] = _("Give the token a name.")
    elif len(values["name"]) > 30:
        errors["name"] = _("At most 30 characters.")
    remain = 0
    if not values["unlimited"]:
        remain = formatting.quota_from_usd_input(values["remain_quota"] or "0")
        if remain is None or remain < 0:
            errors["remain_quota"] = _("Enter a number of zero or more.")
    expired_time = -1
    if values["expires"]:
        parsed = formatting.parse_date_input(values["expires"])
        if parsed is None:
            errors["expires"] = _("Enter a valid date and time.")
        else:
            expired_time = parsed
    data = {"name": values["name"], "unlimited_quota": values["unlimited"], "remain_quota": remain or 0,
            "expired_time": expired_time, "models": values["models"], "subnet": values["subnet"]}
    return values, data


def _model_choices() -> list[str]:
    models, _err = call(users_service().available_models, g.user)
    return models or []


@bp.route("/token/new", methods=["GET", "POST"])
@user_page
def tokens_new():
    errors, form_error, values = {}, None, _form_values()
    if request.method == "POST":
        values, data = _read_form(errors)
        if not errors:
            token, form_error = call(tokens_service().create_token, g.user.id, data)
            form_error = place_error(form_error, errors, FIELD_HINTS)
            if token is not None:
                flash(_("Token created."), "success")
                return redirect(url_for("web.tokens", created=token.id))
    return render_template("tokens/form.html", values=values, errors=errors, form_error=form_error, token=None,
                           model_choices=_model_choices()), 400 if (errors or form_error) else 200


@bp.route("/token/<int:token_id>/edit", methods=["GET", "POST"])
@user_page
def tokens_edit(token_id: int):
    svc = tokens_service()
    token, err = call(svc.get_token, g.user.id, token_id)
    if token is None:
        flash(err, "error")
        return redirect(url_for("web.tokens"))
    errors, form_error, values = {}, None, _form_values(token)
    if request.method == "POST":
        values, data = _read_form(errors)
        if not errors:
            data["id"] = token.id
            updated, form_error = call(svc.update_token, g.user.id, data)
            form_error = place_error(form_error, errors, FIELD_HINTS)
            if updated is not None:
                flash(_("Saved."), "success")
                return redirect(url_for("web.tokens"))
    return render_template("tokens/form.html", values=values, errors=errors, form_error=form_error, token=token,
                           model_choices=_model_choices()), 400 if (errors or form_error) else 200


@bp.post("/token/<int:token_id>/status")
@user_page
def tokens_status(token_id: int):
    status = TOKEN_ENABLED if request.form.get("enable") == "1" else TOKEN_DISABLED
    _token, err = call(tokens_service().update_token, g.user.id, {"id": token_id, "status": status},
                       status_only=True)
    flash_outcome(err, _("Token enabled.") if status == TOKEN_ENABLED else _("Token disabled."))
    return redirect_back("web.tokens")


@bp.post("/token/<int:token_id>/delete")
@user_page
def tokens_delete(token_id: int):
    _r, err = call(tokens_service().delete_token, g.user.id, token_id)
    flash_outcome(err, _("Token deleted."))
    return redirect(url_for("web.tokens"))
