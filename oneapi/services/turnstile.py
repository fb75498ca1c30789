"""Cloudflare Turnstile check for sign-up, e-mail verification and password reset (option
TurnstileCheckEnabled); a passed check is remembered in the caller's session, as the original does."""
from __future__ import annotations

import requests

from oneapi.services.errors import ServiceError
from oneapi.services.options import options

VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
TIMEOUT = 10


def required() -> bool:
    return options.get_bool("TurnstileCheckEnabled")


def verify(response_token: str, remote_ip: str = "") -> None:
    """Raise ServiceError unless Cloudflare accepts ``response_token``."""
    if not response_token:
        raise ServiceError("Turnstile token 为空")
    try:
        resp = requests.post(VERIFY_URL, timeout=TIMEOUT, data={
            "secret": options.get("TurnstileSecretKey"), "response": response_token, "remoteip": remote_ip})
        ok = bool(resp.json().get("success"))
    except (requests.RequestException, ValueError, AttributeError):
        raise ServiceError("Turnstile 校验失败，请刷新重试！") from None
    if not ok:
        raise ServiceError("Turnstile 校验失败，请刷新重试！")
