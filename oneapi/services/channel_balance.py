"""Reading a channel's remaining credit from its provider (the original's balance endpoints per type).

Supported: OpenAI (1), Custom (8) and OpenAICompatible (50, as the fork) through the legacy dashboard billing
endpoints, CloseAI (4), OpenAISB (5), AIProxy (10), API2GPT (12), AIGC2D (13), OpenRouter (20), Moonshot (25),
DeepSeek (36) and SiliconFlow (44). The channel's base URL is asked (a trailing ``/v1`` dropped), except for OpenAISB
and AIProxy, whose balance lives on another host than their API. The balance is stored in ``channels.balance``
(USD, or the provider's own unit) with ``balance_updated_time``.
"""
from __future__ import annotations

import datetime as _dt
import logging
import time
from typing import Any, Callable

import requests

from oneapi import config
from oneapi.models import Channel
from oneapi.models.constants import CHANNEL_ENABLED
from oneapi.services import channel_types
from oneapi.services.errors import ServiceError

log = logging.getLogger(__name__)
TIMEOUT = 15


def _get(url: str, headers: dict[str, str] | None = None) -> Any:
    proxies = {"http": config.settings.relay_proxy, "https": config.settings.relay_proxy} \
        if config.settings.relay_proxy else None
    try:
        resp = requests.get(url, headers=headers or {}, timeout=TIMEOUT, proxies=proxies)
    except requests.RequestException as exc:
        raise ServiceError(f"余额查询失败：{type(exc).__name__}") from None
    if resp.status_code != 200:
        raise ServiceError(f"余额查询失败：上游返回状态码 {resp.status_code}")
    try:
        return resp.json()
    except ValueError:
        raise ServiceError("余额查询失败：上游返回的不是 JSON") from None


def _bearer(channel: Channel) -> dict[str, str]:
    return {"Authorization": f"Bearer {(channel.key or '').strip()}"}


def _base(channel: Channel) -> str:
    """The base URL without a trailing version segment (the balance paths below carry their own)."""
    base = ((channel.base_url or "").strip() or channel_types.default_base_url(channel.type)).rstrip("/")
    return base[:-3] if base.endswith("/v1") else base


def _number(value: Any, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ServiceError(f"余额查询失败：无法解析{what}") from None


def _openai(channel: Channel) -> float:
    base = _base(channel)
    sub = _get(f"{base}/v1/dashboard/billing/subscription", _bearer(channel))
    now = _dt.datetime.now()
    start = now.strftime("%Y-%m-01") if sub.get("has_payment_method") else \
        (now - _dt.timedelta(days=100)).strftime("%Y-%m-%d")
    usage = _get(f"{base}/v1/dashboard/billing/usage?start_date={start}&end_date={now:%Y-%m-%d}", _bearer(channel))
    return _number(sub.get("hard_limit_usd", 0), "额度") - _number(usage.get("total_usage", 0), "用量") / 100


def _credit_grants(field: str) -> Callable[[Channel], float]:
    def read(channel: Channel) -> float:
        data = _get(f"{_base(channel)}/dashboard/billing/credit_grants", _bearer(channel))
        return _number(data.get(field), "余额")
    return read


def _openai_sb(channel: Channel) -> float:
    data = _get(f"https://api.openai-sb.com/sb-api/user/status?api_key={(channel.key or '').strip()}")
    if not isinstance(data.get("data"), dict):
        raise ServiceError("余额查询失败：" + str(data.get("msg") or "上游未返回数据"))
    return _number(data["data"].get("credit"), "余额")


def _aiproxy(channel: Channel) -> float:
    data = _get("https://aiproxy.io/api/report/getUserOverview", {"Api-Key": (channel.key or "").strip()})
    if not data.get("success"):
        raise ServiceError("余额查询失败：" + str(data.get("message") or "上游返回失败"))
    return _number((data.get("data") or {}).get("totalPoints"), "余额")


def _openrouter(channel: Channel) -> float:
    data = (_get(f"{_base(channel)}/v1/credits", _bearer(channel)).get("data") or {})
    return _number(data.get("total_credits"), "额度") - _number(data.get("total_usage", 0), "用量")


def _deepseek(channel: Channel) -> float:
    infos = _get(f"{_base(channel)}/user/balance", _bearer(channel)).get("balance_infos") or []
    for info in infos:
        if isinstance(info, dict) and info.get("currency") == "CNY":
            return _number(info.get("total_balance"), "余额")
    raise ServiceError("余额查询失败：currency CNY not found")


def _siliconflow(channel: Channel) -> float:
    data = _get(f"{_base(channel)}/v1/user/info", _bearer(channel))
    if data.get("code") not in (None, 20000):
        raise ServiceError("余额查询失败：" + str(data.get("message") or data.get("code")))
    return _number((data.get("data") or {}).get("totalBalance"), "余额")


def _moonshot(channel: Channel) -> float:
    """Moonshot's ``/v1/users/me/balance``: ``data.available_balance`` (CNY, cash plus vouchers)."""
    data = _get(f"{_base(channel)}/v1/users/me/balance", _bearer(channel))
    if data.get("code") not in (None, 0) or data.get("status") is False:
        raise ServiceError("余额查询失败：" + str(data.get("error") or data.get("scode") or data.get("code")))
    return _number((data.get("data") or {}).get("available_balance"), "余额")


READERS: dict[int, Callable[[Channel], float]] = {
    1: _openai, 8: _openai, 50: _openai, 4: _credit_grants("total_available"), 5: _openai_sb, 10: _aiproxy,
    12: _credit_grants("total_remaining"), 13: _credit_grants("total_available"), 20: _openrouter,
    36: _deepseek, 44: _siliconflow, 25: _moonshot,
}


def update_balance(channel: Channel) -> float:
    """Ask the provider, store and return the balance; ServiceError when the type has no balance API."""
    reader = READERS.get(channel.type)
    if reader is None:
        raise ServiceError("尚未实现")
    balance = round(reader(channel), 6)
    Channel.update(balance=balance, balance_updated_time=int(time.time())).where(Channel.id == channel.id).execute()
    return balance


def update_all_balances(pause: float = 1.0) -> None:
    """Refresh every enabled channel with a balance API; as the original, a channel at zero is disabled."""
    from oneapi.services import channel_health
    for channel in list(Channel.select().where(Channel.status == CHANNEL_ENABLED)):
        if channel.type not in READERS:
            continue
        try:
            balance = update_balance(channel)
        except ServiceError as exc:
            log.info("balance of channel #%s not updated: %s", channel.id, exc.message)
            continue
        if balance <= 0:
            channel_health.disable_channel(channel.id, channel.name or "", "余额不足")
        time.sleep(pause)
