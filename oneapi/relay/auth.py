"""Relay API keys: who is calling /v1/..., with the original's checks, messages and status codes."""
from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

from flask import request

from oneapi import config
from oneapi.billing import accounts
from oneapi.models.constants import (ROLE_ADMIN, TOKEN_ENABLED, TOKEN_EXHAUSTED, TOKEN_EXPIRED, USER_ENABLED)
from oneapi.relay.errors import RelayError
from oneapi.services import cache
from oneapi.services.cache import TokenInfo, UserInfo


@dataclass(frozen=True)
class Caller:
    token: TokenInfo
    user: UserInfo
    pinned_channel_id: int | None = None
    pinned_raw: str = ""

    @property
    def group(self) -> str:
        return self.user.group or "default"

    @property
    def is_admin(self) -> bool:
        return self.user.role >= ROLE_ADMIN


def _fail(status: int, message: str) -> RelayError:
    return RelayError(status, message, "one_api_error", code=None)


def presented_key() -> str:
    """The key as sent: ``Authorization: Bearer sk-...`` (or bare), else ``x-api-key``, prefixes removed."""
    raw = request.headers.get("Authorization", "").strip()
    if raw[:7].lower() == "bearer ":
        raw = raw[7:].strip()
    if not raw:
        raw = request.headers.get("x-api-key", "").strip()
    prefix = config.settings.token_key_prefix or "sk-"
    for p in (prefix, "sk-"):
        if raw.startswith(p):
            raw = raw[len(p):]
            break
    return raw


def client_ip() -> str:
    """The caller's address; forwarding headers count only behind a local or private proxy."""
    from oneapi.ops.ratelimit import client_ip as forwarded_client_ip
    return forwarded_client_ip()


def ip_in_subnets(ip: str, subnets: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for item in subnets.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            if addr in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def _validate_token(key: str) -> TokenInfo:
    if not key:
        raise _fail(401, "未提供令牌")
    try:
        token = cache.get_token(key)
    except Exception as exc:  # database down: not the client's fault, so a 5xx it may retry (the original: 401)
        raise _fail(503, "令牌验证失败: database unavailable") from exc
    if token is None:
        raise _fail(401, "无效的令牌")
    if token.status == TOKEN_EXHAUSTED:
        raise _fail(401, f"令牌 {token.name}（#{token.id}）额度已用尽")
    if token.status == TOKEN_EXPIRED:
        raise _fail(401, "该令牌已过期")
    if token.status != TOKEN_ENABLED:
        raise _fail(401, "该令牌状态不可用")
    now = int(time.time())
    if token.expired_time != -1 and token.expired_time < now:
        _mark_token(token, TOKEN_EXPIRED)
        raise _fail(401, "该令牌已过期")
    if not token.unlimited_quota and accounts.token_balance(token.id, token.remain_quota) <= 0:
        _mark_token(token, TOKEN_EXHAUSTED)
        raise _fail(401, "该令牌额度已用尽")
    return token


def _mark_token(token: TokenInfo, status: int) -> None:
    """As the original: without Redis, an expired or exhausted token gets its status written."""
    if config.settings.redis_enabled:
        return
    from oneapi.models import Token
    try:
        Token.update(status=status).where(Token.id == token.id).execute()
        cache.invalidate_token(token.key)
    except Exception:
        pass


def authenticate() -> Caller:
    """Resolve the caller from the request headers or raise RelayError (401/403)."""
    key, _, pin = presented_key().partition("-")
    token = _validate_token(key)
    if token.subnet and not ip_in_subnets(client_ip(), token.subnet):
        raise _fail(403, f"该令牌只能在指定网段使用：{token.subnet}，当前 ip：{client_ip()}")
    user = cache.get_user(token.user_id)
    if user is None or user.status != USER_ENABLED:
        raise _fail(403, "用户已被封禁")
    pinned = None
    if pin:
        if user.role < ROLE_ADMIN:
            raise _fail(403, "普通用户不支持指定渠道")
        pin = pin.split("-")[0]
        if not pin.isascii() or not pin.isdigit() or len(pin) > 18:  # ASCII digits that fit a bigint id
            raise _fail(400, "无效的渠道 Id")
        pinned = int(pin)
    return Caller(token=token, user=user, pinned_channel_id=pinned, pinned_raw=pin)


def allowed_models(caller: Caller) -> list[str] | None:
    """The token's model allow-list, or None when every model is allowed."""
    if not caller.token.models:
        return None
    return [m.strip() for m in caller.token.models.split(",") if m.strip()]


def check_model_allowed(caller: Caller, model: str) -> None:
    allowed = allowed_models(caller)
    if allowed is not None and model and model not in allowed:
        raise _fail(403, f"该令牌无权使用模型：{model}")
