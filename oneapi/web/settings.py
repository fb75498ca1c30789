"""Settings (root): the options of the original's settings pages, one form per section.

Values are validated by the same rules as PUT /api/option/ (``services.option_rules``); an invalid value
is shown next to its field and nothing of that section is half-saved.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from oneapi.services import web_support
from oneapi.services.options import options
from oneapi.web import bp
from oneapi.web.access import root_page
from oneapi.web.i18n import translate as _
from oneapi.web.service_calls import call

# section -> [(key, kind, label, help)]; kind: text, textarea, bool, int, float, json
SECTIONS: dict[str, tuple[str, list[tuple[str, str, str, str]]]] = {
    "system": ("System", [
        ("SystemName", "text", "System name", ""),
        ("ServerAddress", "text", "Server address", "The public address of this gateway, e.g. https://api.example.com."),
        ("Logo", "text", "Logo URL", ""),
        ("Notice", "textarea", "Notice", "Shown to users on the home page (HTML allowed)."),
        ("About", "textarea", "About", ""),
        ("Footer", "textarea", "Footer", "HTML shown at the bottom of every page."),
        ("TopUpLink", "text", "Top-up link", "Where users buy redemption codes."),
        ("ChatLink", "text", "Chat link", ""),
        ("PasswordLoginEnabled", "bool", "Allow sign-in with password", ""),
        ("RegisterEnabled", "bool", "Allow new users to sign up", ""),
        ("PasswordRegisterEnabled", "bool", "Allow sign-up with password", ""),
        ("EmailVerificationEnabled", "bool", "Require email verification on sign-up", ""),
    ]),
    "operation": ("Operation", [
        ("QuotaForNewUser", "int", "Quota for new users", "Quota units (500,000 = $1)."),
        ("QuotaForInviter", "int", "Bonus for the inviter", "Quota units."),
        ("QuotaForInvitee", "int", "Bonus for the invited user", "Quota units."),
        ("QuotaRemindThreshold", "int", "Low-quota reminder threshold", "Quota units."),
        ("PreConsumedQuota", "int", "Pre-consumed quota", "Tokens reserved per request before the answer is known."),
        ("QuotaPerUnit", "float", "Quota per dollar", "Used to show quota as money."),
        ("RetryTimes", "int", "Retries", "How many other channels to try when a request fails."),
        ("ChannelDisableThreshold", "float", "Slow channel threshold (seconds)", "Channel tests slower than this disable the channel (with auto-disable on)."),
        ("AutomaticDisableChannelEnabled", "bool", "Disable failing channels automatically", ""),
        ("AutomaticEnableChannelEnabled", "bool", "Re-enable channels that pass a test", ""),
        ("DisplayInCurrencyEnabled", "bool", "Show quota as money", ""),
        ("DisplayTokenStatEnabled", "bool", "Billing endpoints report token quota", ""),
        ("LogConsumeEnabled", "bool", "Log every request", ""),
        ("ApproximateTokenEnabled", "bool", "Approximate token counting (faster)", ""),
    ]),
    "ratios": ("Ratios", [
        ("ModelRatio", "json", "Model ratios", "JSON object: model → quota per token (1 = $2 per million tokens). Empty uses the bundled price table; entries here override it."),
        ("CompletionRatio", "json", "Completion ratios", "JSON object: model → output price ÷ input price."),
        ("GroupRatio", "json", "Group ratios", "JSON object: user group → price multiplier. Its keys are the groups users and channels can have."),
    ]),
}


def _current(section: str) -> dict[str, str]:
    return {key: options.get(key) for key, *_rest in SECTIONS[section][1]}


def _render(section: str, values: dict | None = None, errors: dict | None = None, status: int = 200):
    all_values = {name: _current(name) for name in SECTIONS}
    if values is not None:
        all_values[section] = values
    return render_template("settings/index.html", sections=SECTIONS, values=all_values, errors=errors or {},
                           failed_section=section if errors else None), status


@bp.get("/setting")
@root_page
def settings():
    return _render("system")


@bp.post("/setting/<section>")
@root_page
def settings_save(section: str):
    if section not in SECTIONS:
        return redirect(url_for("web.settings"))
    current = _current(section)
    submitted: dict[str, str] = {}
    for key, kind, *_rest in SECTIONS[section][1]:
        if kind == "bool":
            submitted[key] = "true" if request.form.get(key) else "false"
        else:
            submitted[key] = request.form.get(key, "").strip() if kind != "textarea" else request.form.get(key, "")
    errors: dict[str, str] = {}
    for key, value in submitted.items():
        if value != current[key]:
            _r, err = call(web_support.set_option, key, value)
            if err:
                errors[key] = err
    if errors:
        return _render(section, submitted, errors, 400)
    flash(_("Settings saved."), "success")
    return redirect(url_for("web.settings") + f"#{section}")
