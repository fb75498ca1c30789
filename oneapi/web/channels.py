"""Channels (admin): list, search, sort, create/edit with type-driven fields, test, enable/disable, delete."""
from __future__ import annotations

import logging

from flask import flash, jsonify, redirect, render_template, request, url_for

from oneapi.models.constants import CHANNEL_ENABLED, CHANNEL_MANUALLY_DISABLED
from oneapi.services import web_support
from oneapi.services.fields import page_bounds
from oneapi.services.options import options
from oneapi.web import bp, channel_form
from oneapi.web.access import admin_page, redirect_back
from oneapi.web.i18n import translate as _
from oneapi.web.service_calls import call, channel_types, channels_service, flash_outcome, place_error

FIELD_HINTS = {"model_mapping": ("model_mapping",), "model_configs": ("model_configs",),
               "config": ("config",), "key": ("key", "密钥"), "type": ("channel type", "渠道类型"),
               "base_url": ("base_url",), "models": ("models",), "group": ("group",)}

log = logging.getLogger(__name__)
PAGE_SIZE = 20
SORTS = ("id", "name", "type", "status", "priority", "weight", "balance", "response_time", "used_quota")

def _groups() -> list[str]:
    ratios = options.get_json("GroupRatio", {})
    return list(ratios) if isinstance(ratios, dict) else ["default"]


def _type_names() -> dict[int, str]:
    return {t.id: t.name for t in channel_types().TYPES.values()}


def _sort_value(channel, column: str):
    """The value search results are sorted by (the list itself is sorted in SQL)."""
    if column == "name":
        return (channel.name or "").lower()
    return getattr(channel, column) or 0


@bp.get("/channel")
@admin_page
def channels():
    svc = channels_service()
    keyword = request.args.get("q", "").strip()
    sort = request.args.get("sort", "id")
    sort = sort if sort in SORTS else "id"
    order = "asc" if request.args.get("order") == "asc" else "desc"
    page = max(request.args.get("p", 0, type=int), 0)
    status = request.args.get("status", type=int)
    type_id = request.args.get("type", type=int)
    if keyword:
        rows = sorted(svc.search_channels(keyword), key=lambda c: _sort_value(c, sort), reverse=order == "desc")
        total = len(rows)
    else:
        offset, limit = page_bounds(page, PAGE_SIZE, PAGE_SIZE)
        if status is not None or type_id is not None:
            rows, total = web_support.filter_channels(offset, limit, status=status, type_id=type_id, sort=sort,
                                                      order=order)
        else:
            rows, total = svc.list_channels(offset, limit, sort, order)
    filters = {k: v for k, v in (("status", status), ("type", type_id)) if v is not None}
    return render_template("channels/list.html", rows=rows, total=total, page=page, size=PAGE_SIZE,
                           keyword=keyword, sort=sort, order=order, type_names=_type_names(), filters=filters)


def _render_form(channel, values, errors, form_error):
    types = channel_types()
    type_models = {t.id: list(t.models) for t in types.TYPES.values()}
    base_urls = {t.id: t.base_url or t.hint for t in types.TYPES.values()}  # the base URL field's placeholder
    type_notes = {t.id: t.unsupported for t in types.TYPES.values() if t.unsupported}
    type_choices = sorted(((t.id, f"{t.name} ({t.id})" + (f" — {_('not supported')}" if t.unsupported else ""))
                           for t in types.TYPES.values()), key=lambda kv: (kv[0] == 0, kv[1].lower()))
    status = 400 if (errors or form_error) else 200
    return render_template("channels/form.html", channel=channel, values=values, errors=errors,
                           form_error=form_error, type_choices=type_choices, type_models=type_models,
                           base_urls=base_urls, type_notes=type_notes, groups=_groups(),
                           config_fields=channel_form.CONFIG_FIELDS), status


@bp.route("/channel/new", methods=["GET", "POST"])
@admin_page
def channels_new():
    values, errors, form_error = channel_form.empty_values(), {}, None
    if request.method == "POST":
        values, errors, data = channel_form.read_form(creating=True)
        if not errors:
            created, form_error = call(channels_service().create_channels, data)
            form_error = place_error(form_error, errors, FIELD_HINTS)
            if created is not None:
                flash(_("{n} channel(s) created.", n=len(created)), "success")
                return redirect(url_for("web.channels"))
    return _render_form(None, values, errors, form_error)


@bp.route("/channel/<int:channel_id>/edit", methods=["GET", "POST"])
@admin_page
def channels_edit(channel_id: int):
    svc = channels_service()
    channel, err = call(svc.get_channel, channel_id)
    if channel is None:
        flash(err, "error")
        return redirect(url_for("web.channels"))
    values, errors, form_error = channel_form.values_of(channel), {}, None
    if request.method == "POST":
        values, errors, data = channel_form.read_form(creating=False)
        if not errors:
            data["id"] = channel.id
            updated, form_error = call(svc.update_channel, data)
            form_error = place_error(form_error, errors, FIELD_HINTS)
            if updated is not None:
                flash(_("Channel saved."), "success")
                return redirect(url_for("web.channels"))
    return _render_form(channel, values, errors, form_error)


# ------------------------------------------------------------------------------------------------ actions

@bp.post("/channel/<int:channel_id>/status")
@admin_page
def channels_status(channel_id: int):
    enable = request.form.get("enable") == "1"
    status = CHANNEL_ENABLED if enable else CHANNEL_MANUALLY_DISABLED
    svc = channels_service()
    channel, err = call(svc.get_channel, channel_id)
    if channel is not None:
        _r, err = call(svc.set_status, channel.id, status)
    flash_outcome(err, _("Channel enabled.") if enable else _("Channel disabled."))
    return redirect_back("web.channels")


@bp.post("/channel/<int:channel_id>/delete")
@admin_page
def channels_delete(channel_id: int):
    _r, err = call(channels_service().delete_channel, channel_id)
    flash_outcome(err, _("Channel deleted."))
    return redirect_back("web.channels")


@bp.post("/channel/delete-disabled")
@admin_page
def channels_delete_disabled():
    count, err = call(channels_service().delete_disabled)
    flash_outcome(err, _("{n} disabled channel(s) deleted.", n=count))
    return redirect(url_for("web.channels"))


def _health():
    from oneapi.services import channel_health
    return channel_health


@bp.post("/channel/<int:channel_id>/test")
@admin_page
def channels_test(channel_id: int):
    channel, err = call(channels_service().get_channel, channel_id)
    if channel is None:
        ok, message, seconds = False, err, 0.0
    else:
        ok, message, seconds = _health().test_channel(channel, request.form.get("model") or None)
    summary = _("{s:.2f} s", s=seconds) if ok else _("Failed")
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"success": ok, "message": summary, "detail": message or "", "time": round(seconds, 3)})
    flash(_("Test of {name}: {result}", name=channel.name if channel else channel_id,
            result=summary + ("" if ok else f" — {message}")), "success" if ok else "error")
    return redirect_back("web.channels")


@bp.post("/channel/test-all")
@admin_page
def channels_test_all():
    """Tests run in the background (they can take a while); response times appear in the list."""
    from oneapi.services import channel_checks
    if channel_checks.start_test_all("all"):
        flash(_("Testing every channel in the background. Reload the page in a moment to see response times."),
              "info")
    else:
        flash(_("A test of all channels is already running."), "warning")
    return redirect(url_for("web.channels"))


@bp.post("/channel/update-balances")
@admin_page
def channels_update_balances():
    from oneapi.services import channel_checks
    if channel_checks.start_balance_all():
        flash(_("Refreshing balances in the background. Reload the page in a moment."), "info")
    else:
        flash(_("A balance refresh is already running."), "warning")
    return redirect(url_for("web.channels"))


@bp.post("/channel/<int:channel_id>/balance")
@admin_page
def channels_balance(channel_id: int):
    from oneapi.services import channel_balance
    channel, err = call(channels_service().get_channel, channel_id)
    balance = None
    if channel is not None:
        try:
            balance, err = call(channel_balance.update_balance, channel)
        except Exception as exc:  # noqa: BLE001 - the provider's answer may be anything; show it, do not crash
            balance, err = None, f"{type(exc).__name__}: {exc}"
    text = f"${balance:,.2f}" if balance is not None else _("Failed")
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"success": balance is not None, "message": text, "detail": err or ""})
    flash(_("Balance of {name}: {result}", name=channel.name if channel else channel_id,
            result=text + (f" — {err}" if err else "")), "error" if err else "success")
    return redirect_back("web.channels")
