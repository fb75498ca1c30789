"""API keys (the ``tokens`` table) as their owners manage them: always scoped to one user.

Keys are stored bare (48 characters) and shown with the ``TOKEN_KEY_PREFIX`` (``sk-``), as the fork does.
"""
from __future__ import annotations

import ipaddress
import time
from typing import Any

from oneapi import config
from oneapi.models import Token
from oneapi.models.constants import TOKEN_DISABLED, TOKEN_ENABLED, TOKEN_EXHAUSTED, TOKEN_EXPIRED
from oneapi.security import new_token_key
from oneapi.services import cache
from oneapi.services.errors import ServiceError
from oneapi.services.fields import INVALID, as_bool, as_int, as_opt_str, as_str

NAME_MAX = 30
MODELS_MAX = 10_000
SUBNET_MAX = 191
QUOTA_MAX = 10 ** 18
MSG_NOT_FOUND = "令牌不存在"
LIST_ORDERS = {"remain_quota": Token.remain_quota.desc(), "used_quota": Token.used_quota.desc()}
STATUSES = (TOKEN_ENABLED, TOKEN_DISABLED, TOKEN_EXPIRED, TOKEN_EXHAUSTED)


def display_key(key: str | None) -> str:
    return f"{config.settings.token_key_prefix}{(key or '').strip()}"


def token_to_dict(token: Token) -> dict[str, Any]:
    return {
        "id": token.id, "user_id": token.user_id or 0, "key": display_key(token.key),
        "status": token.status, "name": token.name or "", "created_time": token.created_time or 0,
        "accessed_time": token.accessed_time or 0, "expired_time": token.expired_time,
        "remain_quota": token.remain_quota, "unlimited_quota": bool(token.unlimited_quota),
        "used_quota": token.used_quota or 0, "models": token.models, "subnet": token.subnet,
    }


# ------------------------------------------------------------------------------------------ validation

def _name(value: Any) -> str:
    name = as_str(value, "name", default="")
    if len(name) > NAME_MAX:
        raise ServiceError("令牌名称过长")
    return name


def _models(value: Any) -> str | None:
    """Comma-separated model allow-list; blanks trimmed; ``None``/"" mean no restriction."""
    text = as_opt_str(value, "models", max_len=MODELS_MAX, max_bytes=65535)
    if text is None:
        return None
    names = [m.strip() for m in text.split(",")]
    return ",".join(dict.fromkeys(m for m in names if m))


def _subnet(value: Any) -> str:
    text = as_opt_str(value, "subnet", max_len=SUBNET_MAX)
    if not text:
        return ""
    nets = [s.strip() for s in text.split(",") if s.strip()]
    for net in nets:
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError:
            raise ServiceError(f"无效的网段：{net}") from None
    return ",".join(nets)


def _expired_time(value: Any) -> int:
    ts = as_int(value, "expired_time", default=-1, minimum=-1, maximum=253402300799)
    return -1 if ts == 0 else ts


# ------------------------------------------------------------------------------------------- reading

def list_tokens(user_id: int, offset: int, limit: int, order: str = "") -> tuple[list[Token], int]:
    query = Token.select().where(Token.user_id == user_id)
    total = query.count()
    rows = query.order_by(LIST_ORDERS.get(order, Token.id.desc())).offset(offset).limit(limit)
    return list(rows), total


def search_tokens(user_id: int, keyword: str, limit: int = 100) -> list[Token]:
    query = Token.select().where((Token.user_id == user_id) & Token.name.startswith(keyword or ""))
    return list(query.order_by(Token.id.desc()).limit(limit))


def get_token(user_id: int, token_id: Any) -> Token:
    try:
        tid = as_int(token_id, "id")
    except ServiceError:
        raise ServiceError(MSG_NOT_FOUND) from None
    token = Token.get_or_none((Token.id == tid) & (Token.user_id == user_id))
    if token is None:
        raise ServiceError(MSG_NOT_FOUND)
    return token


# ------------------------------------------------------------------------------------------- writing

def create_token(user_id: int, data: dict[str, Any]) -> Token:
    now = int(time.time())
    return Token.create(
        user_id=user_id, key=new_token_key(), status=TOKEN_ENABLED, name=_name(data.get("name")),
        created_time=now, accessed_time=now, expired_time=_expired_time(data.get("expired_time")),
        remain_quota=as_int(data.get("remain_quota"), "remain_quota", default=0, minimum=-1, maximum=QUOTA_MAX),
        unlimited_quota=as_bool(data.get("unlimited_quota"), "unlimited_quota", default=False),
        used_quota=0, models=_models(data.get("models")), subnet=_subnet(data.get("subnet")),
    )


def update_token(user_id: int, data: dict[str, Any], *, status_only: bool = False) -> Token:
    """PUT /api/token/: everything editable, or only ``status``; an expired or exhausted token cannot be
    re-enabled until its expiry time or quota allows it."""
    token = get_token(user_id, data.get("id"))
    status = as_int(data.get("status"), "status", default=token.status)
    if status not in STATUSES:
        raise ServiceError(INVALID)
    if status_only:
        changes = {Token.status: status}
        expired_time, remain, unlimited = token.expired_time, token.remain_quota, bool(token.unlimited_quota)
    else:
        expired_time = _expired_time(data.get("expired_time", token.expired_time))
        remain = as_int(data.get("remain_quota", token.remain_quota), "remain_quota", minimum=-(10 ** 18),
                        maximum=QUOTA_MAX)
        unlimited = as_bool(data.get("unlimited_quota", bool(token.unlimited_quota)), "unlimited_quota")
        changes = {Token.name: _name(data.get("name", token.name)), Token.status: status,
                   Token.expired_time: expired_time, Token.remain_quota: remain,
                   Token.unlimited_quota: unlimited,
                   Token.models: _models(data["models"]) if "models" in data else token.models,
                   Token.subnet: _subnet(data["subnet"]) if "subnet" in data else token.subnet}
    if status == TOKEN_ENABLED and token.status != TOKEN_ENABLED:
        if token.status == TOKEN_EXPIRED and expired_time != -1 and expired_time <= int(time.time()):
            raise ServiceError("令牌已过期，无法启用，请先修改令牌过期时间，或者设置为永不过期")
        if token.status == TOKEN_EXHAUSTED and remain <= 0 and not unlimited:
            raise ServiceError("令牌可用额度已用尽，无法启用，请先修改令牌剩余额度，或者设置为无限额度")
    Token.update(changes).where((Token.id == token.id) & (Token.user_id == user_id)).execute()
    cache.invalidate_token((token.key or "").strip())
    return Token.get_by_id(token.id)


def delete_token(user_id: int, token_id: Any) -> None:
    token = get_token(user_id, token_id)
    Token.delete().where((Token.id == token.id) & (Token.user_id == user_id)).execute()
    cache.invalidate_token((token.key or "").strip())
