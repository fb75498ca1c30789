"""Display helpers shared by the templates: quota as money or tokens, timestamps, statuses."""
from __future__ import annotations

import time

from oneapi.models.constants import QUOTA_PER_USD
from oneapi.services.options import options


def quota_per_unit() -> float:
    return options.get_float("QuotaPerUnit", float(QUOTA_PER_USD)) or float(QUOTA_PER_USD)


def show_currency() -> bool:
    return options.get_bool("DisplayInCurrencyEnabled")


def usd(quota: int | float | None, digits: int | None = None) -> str:
    """Quota in US dollars (500,000 quota = $1 by default)."""
    value = (quota or 0) / quota_per_unit()
    if value == 0:
        return "$0.00"
    if digits is None:
        digits = 2 if abs(value) >= 1 else (4 if abs(value) >= 0.01 else 6)
    return f"${value:,.{digits}f}"


def quota(value: int | float | None) -> str:
    """Quota as the operator chose to display it: dollars, or the raw integer."""
    if show_currency():
        return usd(value)
    return f"{int(value or 0):,}"


def number(value: int | float | None) -> str:
    if value is None:
        return "0"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def timestamp(seconds: int | None, with_seconds: bool = True) -> str:
    if not seconds or seconds <= 0:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M", time.localtime(seconds))


def date_input(seconds: int | None) -> str:
    """A value for <input type="datetime-local">."""
    if not seconds or seconds <= 0:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M", time.localtime(seconds))


def parse_date_input(text: str | None) -> int | None:
    """Unix seconds from a datetime-local or date input (local time); None when empty or invalid."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return int(time.mktime(time.strptime(text, fmt)))
        except ValueError:
            continue
    return None


def quota_from_usd_input(text: str) -> int | None:
    """Quota for an amount typed in the form: dollars when currency display is on, else quota units."""
    text = (text or "").strip().lstrip("$").replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return int(round(value * quota_per_unit())) if show_currency() else int(value)


def quota_to_input(value: int | None) -> str:
    if show_currency():
        amount = (value or 0) / quota_per_unit()
        return f"{amount:.6f}".rstrip("0").rstrip(".") or "0"
    return str(int(value or 0))


def milliseconds(ms: int | None) -> str:
    if not ms:
        return "—"
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{int(ms)} ms"


ROLE_NAMES = {0: "Guest", 1: "User", 10: "Admin", 100: "Root"}
USER_STATUS = {1: ("Enabled", "green"), 2: ("Disabled", "red"), 3: ("Deleted", "gray")}
TOKEN_STATUS = {1: ("Enabled", "green"), 2: ("Disabled", "gray"), 3: ("Expired", "amber"), 4: ("Exhausted", "red")}
CHANNEL_STATUS = {0: ("Unknown", "gray"), 1: ("Enabled", "green"), 2: ("Disabled", "gray"),
                  3: ("Auto-disabled", "red")}
REDEMPTION_STATUS = {1: ("Unused", "green"), 2: ("Disabled", "gray"), 3: ("Used", "blue")}
LOG_TYPES = {1: ("Top-up", "green"), 2: ("Consume", "blue"), 3: ("Manage", "amber"), 4: ("System", "gray"),
             5: ("Test", "gray")}
