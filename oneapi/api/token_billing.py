"""Routes a relay API key calls about itself (the fork's external billing): consume, balance, history.

``Authorization: Bearer sk-<key>`` (or ``x-api-key``) identifies the token, checked as the relay checks it
(enabled, not expired, not exhausted, owner enabled). Authentication failures answer like the relay
(``{"error": {...}}`` with 401/403), as the fork's TokenAuth middleware does; everything else uses the
management API envelope. Validation errors are 400, an unknown transaction 404 and a refused hold 403,
as the fork's external billing guide documents.
"""
from __future__ import annotations

import time

from flask import g, jsonify, request

from oneapi import config
from oneapi.api import bp
from oneapi.billing import external
from oneapi.models import Log, Token, TokenTransaction, User
from oneapi.models.constants import TOKEN_ENABLED, TOKEN_EXHAUSTED, TOKEN_EXPIRED, USER_ENABLED


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _presented_key() -> str:
    raw = request.headers.get("Authorization", "").strip()
    if raw[:7].lower() == "bearer ":
        raw = raw[7:].strip()
    if not raw:
        raw = request.headers.get("x-api-key", "").strip()
    for prefix in dict.fromkeys((config.settings.token_key_prefix or "sk-", "sk-")):
        if raw.startswith(prefix):
            raw = raw[len(prefix):]
            break
    return raw.split("-")[0]


def _caller() -> tuple[Token, User]:
    key = _presented_key()
    if not key:
        raise _Refused(401, "未提供令牌")
    token = Token.get_or_none(Token.key == key)
    if token is None or (token.key or "").strip() != key:  # MySQL compares case-insensitively
        raise _Refused(401, "无效的令牌")
    if token.status == TOKEN_EXHAUSTED:
        raise _Refused(401, f"令牌 {token.name}（#{token.id}）额度已用尽")
    if token.status == TOKEN_EXPIRED or (token.expired_time != -1 and token.expired_time < int(time.time())):
        raise _Refused(401, "该令牌已过期")
    if token.status != TOKEN_ENABLED:
        raise _Refused(401, "该令牌状态不可用")
    if not token.unlimited_quota and token.remain_quota <= 0:
        raise _Refused(401, "该令牌额度已用尽")
    user = User.get_or_none(User.id == token.user_id)
    if user is None or user.status != USER_ENABLED:
        raise _Refused(403, "用户已被封禁")
    return token, user


def _token_route(view):
    """Authenticate the key first; refusals answer as the relay does."""
    def wrapper(*args, **kwargs):
        try:
            token, user = _caller()
        except _Refused as refused:
            rid = getattr(g, "request_id", "")
            message = f"{refused.message} (request id: {rid})" if rid else refused.message
            return jsonify({"error": {"message": message, "type": "one_api_error"}}), refused.status
        return view(token, user, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def _fail(message: str, status: int):
    return jsonify({"success": False, "message": message}), status


def _page() -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        try:
            return int(request.args.get(name, default))
        except (TypeError, ValueError):
            return default
    size = number("size", 10)
    size = 10 if size <= 0 else min(size, config.settings.max_items_per_page)
    return max(number("p", 0), 0) * size, size


def token_dict(token: Token) -> dict:
    return {
        "id": token.id, "user_id": token.user_id or 0, "key": token.key or "", "status": token.status,
        "name": token.name or "", "created_time": token.created_time or 0, "accessed_time": token.accessed_time or 0,
        "expired_time": token.expired_time, "remain_quota": token.remain_quota,
        "unlimited_quota": bool(token.unlimited_quota), "used_quota": token.used_quota or 0,
        "models": token.models, "subnet": token.subnet,
    }


def log_dict(row: Log) -> dict:
    """A log row as the original's JSON (``channel`` for the channel_id column) plus the fork's columns."""
    return {
        "id": row.id, "user_id": row.user_id, "created_at": row.created_at, "type": row.type,
        "content": row.content or "", "username": row.username or "", "token_name": row.token_name or "",
        "model_name": row.model_name or "", "quota": row.quota or 0, "prompt_tokens": row.prompt_tokens or 0,
        "completion_tokens": row.completion_tokens or 0, "channel": row.channel_id or 0,
        "request_id": row.request_id or "", "elapsed_time": row.elapsed_time or 0, "is_stream": bool(row.is_stream),
        "system_prompt_reset": bool(row.system_prompt_reset), "cached_prompt_tokens": row.cached_prompt_tokens or 0,
        "metadata": row.metadata, "trace_id": row.trace_id or "",
    }


@bp.post("/token/consume")
@_token_route
def consume_token(token: Token, user: User):
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return _fail("invalid request body", 400)
    payer = external.Payer(token.id, token.key, token.name or "", not token.unlimited_quota, user.id,
                           user.username or "")
    try:
        txn = external.consume(payer, body, request_id=getattr(g, "request_id", ""))
    except external.ConsumeError as exc:
        return _fail(exc.message, exc.status)
    fresh = Token.get_by_id(token.id)
    return jsonify({"success": True, "message": "", "data": token_dict(fresh),
                    "transaction": external.transaction_to_dict(txn)})


@bp.get("/token/balance")
@_token_route
def token_balance(token: Token, _user: User):
    return jsonify({"success": True, "message": "", "data": {
        "remain_quota": token.remain_quota, "used_quota": token.used_quota or 0,
        "unlimited_quota": bool(token.unlimited_quota)}})


@bp.get("/token/transactions")
@_token_route
def token_transactions(token: Token, _user: User):
    external.auto_confirm_expired(token.id)
    offset, limit = _page()
    query = TokenTransaction.select().where(TokenTransaction.token_id == token.id)
    rows = query.order_by(TokenTransaction.id.desc()).offset(offset).limit(limit)
    return jsonify({"success": True, "message": "", "data": [external.transaction_to_dict(t) for t in rows],
                    "total": query.count()})


@bp.get("/token/logs")
@_token_route
def token_logs(token: Token, _user: User):
    offset, limit = _page()
    query = Log.select().where((Log.user_id == token.user_id) & (Log.token_name == (token.name or "")))
    rows = query.order_by(Log.id.desc()).offset(offset).limit(limit)
    return jsonify({"success": True, "message": "", "data": [log_dict(r) for r in rows], "total": query.count()})
