"""What an option value must look like before PUT /api/option/ stores it (the original's checks plus
type checks for numeric, boolean and JSON options, so a typo cannot break billing or routing)."""
from __future__ import annotations

import json
import math
from typing import Any

from oneapi.services.errors import ServiceError
from oneapi.services.options import JSON_KEYS, options

THEMES = {"default", "berry", "air", "modern"}
INT_KEYS = {"QuotaForNewUser", "QuotaForInviter", "QuotaForInvitee", "QuotaRemindThreshold", "PreConsumedQuota",
            "RetryTimes", "SMTPPort"}
FLOAT_KEYS = {"QuotaPerUnit", "ChannelDisableThreshold"}
KEY_MAX = 191
VALUE_MAX = 1_000_000

# key -> (option that must be filled first, message), checked when the key is being turned on
_PREREQUISITES = {
    "GitHubOAuthEnabled": ("GitHubClientId", "无法启用 GitHub OAuth，请先填入 GitHub Client Id 以及 GitHub Client Secret！"),
    "EmailDomainRestrictionEnabled": ("EmailDomainWhitelist", "无法启用邮箱域名限制，请先填入限制的邮箱域名！"),
    "WeChatAuthEnabled": ("WeChatServerAddress", "无法启用微信登录，请先填入微信登录相关配置信息！"),
    "TurnstileCheckEnabled": ("TurnstileSiteKey", "无法启用 Turnstile 校验，请先填入 Turnstile 校验相关配置信息！"),
}


def normalise(key: str, value: Any) -> str:
    """The stored text of ``value``: strings as is, booleans as "true"/"false", numbers as text."""
    if len(key) > KEY_MAX:
        raise ServiceError("无效的参数：key 过长")
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)) and key in JSON_KEYS:
        return json.dumps(value, ensure_ascii=False)
    if not isinstance(value, str):
        raise ServiceError("无效的参数：value 必须是字符串")
    if len(value) > VALUE_MAX:
        raise ServiceError("无效的参数：value 过长")
    return value


def validate(key: str, value: str) -> None:
    if key == "Theme" and value not in THEMES:
        raise ServiceError("无效的主题")
    if key in _PREREQUISITES and value == "true":
        needed, message = _PREREQUISITES[key]
        if not options.get(needed).strip():
            raise ServiceError(message)
    if key.endswith("Enabled") and value not in ("true", "false"):
        raise ServiceError(f"{key} 的值必须是 true 或 false")
    if key in INT_KEYS:
        try:
            int(value)
        except ValueError:
            raise ServiceError(f"{key} 的值必须是整数") from None
    if key in FLOAT_KEYS:
        try:
            number = float(value)
        except ValueError:
            raise ServiceError(f"{key} 的值必须是数字") from None
        if not math.isfinite(number) or number < 0 or (key == "QuotaPerUnit" and number == 0):
            raise ServiceError(f"{key} 的值超出范围")
    if key in JSON_KEYS:
        _check_ratio_table(key, value)


def _check_ratio_table(key: str, value: str) -> None:
    try:
        table = json.loads(value) if value.strip() else {}
    except ValueError as exc:
        raise ServiceError(f"{key} 不是合法的 JSON：{exc.msg}") from None
    if not isinstance(table, dict):
        raise ServiceError(f"{key} 必须是 JSON 对象")
    for name, ratio in table.items():
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not math.isfinite(ratio) or ratio < 0:
            raise ServiceError(f"{key} 中 {name} 的倍率必须是非负数")


def apply(key: str, value: Any) -> str:
    """Check and store one option (PUT /api/option/ and the settings page); returns the stored text."""
    from oneapi.services.options import options as store
    text = normalise(key, value)
    validate(key, text)
    store.update(key, text)
    return text
