"""Public informational routes: status, notice, about, home page content."""
from flask import current_app, jsonify

from oneapi import __version__
from oneapi.api import bp
from oneapi.services.options import options


@bp.get("/status")
def status():
    o = options
    return jsonify({"success": True, "message": "", "data": {
        "version": __version__,
        "start_time": current_app.start_time,
        "system_name": o.get("SystemName"),
        "logo": o.get("Logo"),
        "footer_html": o.get("Footer"),
        "server_address": o.get("ServerAddress") or "http://localhost:3000",
        "top_up_link": o.get("TopUpLink"),
        "chat_link": o.get("ChatLink"),
        "quota_per_unit": o.get_float("QuotaPerUnit", 500000.0),
        "display_in_currency": o.get_bool("DisplayInCurrencyEnabled"),
        "email_verification": o.get_bool("EmailVerificationEnabled"),
        "github_oauth": o.get_bool("GitHubOAuthEnabled"),
        "github_client_id": o.get("GitHubClientId"),
        "lark_client_id": o.get("LarkClientId"),
        "wechat_login": o.get_bool("WeChatAuthEnabled"),
        "wechat_qrcode": o.get("WeChatAccountQRCodeImageURL"),
        "turnstile_check": o.get_bool("TurnstileCheckEnabled"),
        "turnstile_site_key": o.get("TurnstileSiteKey"),
        "oidc": o.get_bool("OidcEnabled"),
        "oidc_client_id": o.get("OidcClientId"),
        "oidc_well_known": o.get("OidcWellKnown"),
        "oidc_authorization_endpoint": o.get("OidcAuthorizationEndpoint"),
        "oidc_token_endpoint": o.get("OidcTokenEndpoint"),
        "oidc_userinfo_endpoint": o.get("OidcUserinfoEndpoint"),
        "register_enabled": o.get_bool("RegisterEnabled"),
        "password_login_enabled": o.get_bool("PasswordLoginEnabled"),
        "password_register_enabled": o.get_bool("PasswordRegisterEnabled"),
    }})


def _option_text(key: str):
    return jsonify({"success": True, "message": "", "data": options.get(key)})


@bp.get("/notice")
def notice():
    return _option_text("Notice")


@bp.get("/about")
def about():
    return _option_text("About")


@bp.get("/home_page_content")
def home_page_content():
    return _option_text("HomePageContent")
