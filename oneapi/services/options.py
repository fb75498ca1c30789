"""The options table: runtime settings as strings, loaded at start and refreshed every SYNC_FREQUENCY seconds.

Load order as the original: built-in defaults, then every row of the table applied on top. Rows are only
written by ``update`` (PUT /api/option/), never at start-up, so an existing database keeps its row count.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from oneapi.models import Option

log = logging.getLogger(__name__)

DEFAULTS: dict[str, str] = {
    "PasswordLoginEnabled": "true",
    "PasswordRegisterEnabled": "true",
    "EmailVerificationEnabled": "false",
    "GitHubOAuthEnabled": "false",
    "OidcEnabled": "false",
    "WeChatAuthEnabled": "false",
    "TurnstileCheckEnabled": "false",
    "RegisterEnabled": "true",
    "AutomaticDisableChannelEnabled": "false",
    "AutomaticEnableChannelEnabled": "false",
    "ApproximateTokenEnabled": "false",
    "LogConsumeEnabled": "true",
    "DisplayInCurrencyEnabled": "true",
    "DisplayTokenStatEnabled": "true",
    "EmailDomainRestrictionEnabled": "false",
    "EmailDomainWhitelist": "gmail.com,163.com,126.com,qq.com,outlook.com,hotmail.com,icloud.com,yahoo.com,foxmail.com",
    "SMTPServer": "", "SMTPPort": "587", "SMTPFrom": "", "SMTPAccount": "", "SMTPToken": "",
    "Notice": "", "About": "", "HomePageContent": "", "Footer": "", "Logo": "",
    "SystemName": "One API",
    "ServerAddress": "",
    "GitHubClientId": "", "GitHubClientSecret": "",
    "WeChatServerAddress": "", "WeChatServerToken": "", "WeChatAccountQRCodeImageURL": "",
    "MessagePusherAddress": "", "MessagePusherToken": "",
    "TurnstileSiteKey": "", "TurnstileSecretKey": "",
    "QuotaForNewUser": "0",
    "QuotaForInviter": "0",
    "QuotaForInvitee": "0",
    "QuotaRemindThreshold": "1000",
    "PreConsumedQuota": "500",
    "ModelRatio": "{}",  # empty means "the bundled price table"; operators' entries override it
    "CompletionRatio": "{}",
    "GroupRatio": json.dumps({"default": 1, "vip": 1, "svip": 1}),
    "TopUpLink": "",
    "ChatLink": "",
    "QuotaPerUnit": "500000",
    "RetryTimes": "0",
    "Theme": "default",
    "ChannelDisableThreshold": "5",
}

# Keys that hold JSON objects; PUT rejects values that do not parse.
JSON_KEYS = {"ModelRatio", "CompletionRatio", "GroupRatio"}
# Never returned by GET /api/option/ (as the original: keys ending in Token or Secret).
SECRET_SUFFIXES = ("Token", "Secret")


class OptionStore:
    """An in-memory view of the options table, swapped atomically on refresh."""

    def __init__(self) -> None:
        self._values: dict[str, str] = dict(DEFAULTS)
        self._json_cache: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.loaded_at = 0.0

    def load(self) -> None:
        values = dict(DEFAULTS)
        for row in Option.select(Option.key, Option.value):
            values[row.key] = row.value if row.value is not None else ""
        self._values = values
        self.loaded_at = time.time()

    def all(self) -> dict[str, str]:
        return dict(self._values)

    def get(self, key: str, default: str = "") -> str:
        return self._values.get(key, default)

    def get_bool(self, key: str) -> bool:
        return self._values.get(key, "") == "true"

    def get_int(self, key: str, default: int = 0) -> int:
        try:
            return int(float(self._values.get(key, "")))
        except ValueError:
            return default

    def get_float(self, key: str, default: float = 0.0) -> float:
        try:
            return float(self._values.get(key, ""))
        except ValueError:
            return default

    def get_json(self, key: str, default: Any = None) -> Any:
        """Parsed JSON of an option, cached per value so hot paths do not re-parse."""
        raw = self._values.get(key, "")
        cache_key = (key, raw)
        if cache_key in self._json_cache:
            return self._json_cache[cache_key]
        try:
            value = json.loads(raw) if raw.strip() else default
        except ValueError:
            log.warning("option %s holds invalid JSON; using the default", key)
            value = default
        if len(self._json_cache) > 256:
            self._json_cache.clear()
        self._json_cache[cache_key] = value
        return value

    def update(self, key: str, value: str) -> None:
        """Write the row (insert or update) and apply it at once in this process."""
        with self._lock:
            updated = Option.update(value=value).where(Option.key == key).execute()
            if not updated:
                Option.insert(key=key, value=value).on_conflict_ignore().execute()
                Option.update(value=value).where(Option.key == key).execute()
            values = dict(self._values)
            values[key] = value
            self._values = values


options = OptionStore()
