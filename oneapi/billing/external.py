"""External billing (the fork's ``POST /api/token/consume``): services outside the gateway charge a token.

Phases, as the fork: ``pre`` holds quota and opens a pending transaction that auto-confirms at its expiry
(checked on the token's next consume call), ``post`` confirms it with the final amount (the difference is
charged or given back), ``cancel`` gives the hold back, ``single`` (or no phase) is pre + post at once.

Accounting choice (differs from the fork, on purpose): the hold is counted as used at once, so the consume
log row written at ``pre`` always equals what the user's, token's and (none: channel 0) counters hold for
it. ``users.used_quota`` and ``request_count`` move at ``pre``, the final amount is trued up at ``post``,
and ``cancel`` takes the amount back and sets the log row's quota to 0. Thus the ledger invariant
"sum of consume logs = used quota" holds for external charges too. The fork moved only balances.

Each phase is one transaction whose first statement claims the row (``UPDATE ... WHERE status = pending``),
so two concurrent ``post``/``cancel`` calls, or a ``post`` racing an auto-confirm, settle a hold once.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from oneapi import config
from oneapi.billing import accounts
from oneapi.db import database, log_database
from oneapi.models import Log, Token, TokenTransaction, User
from oneapi.models.constants import LOG_CONSUME
from oneapi.models.token_transaction import (TXN_AUTO_CONFIRMED, TXN_CANCELED, TXN_CONFIRMED, TXN_PENDING,
                                             TXN_STATUS_NAMES)
from oneapi.services.options import options

MAX_QUOTA = 2**63 - 1


class ConsumeError(Exception):
    """A refused consume call: HTTP ``status`` with ``message``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Payer:
    token_id: int
    token_key: str
    token_name: str
    token_limited: bool
    user_id: int
    username: str


def log_quota(quota: int) -> str:
    """The original's ``common.LogQuota``: currency or points, by DisplayInCurrencyEnabled."""
    if options.get_bool("DisplayInCurrencyEnabled"):
        return "＄%.6f 额度" % (quota / (options.get_float("QuotaPerUnit", 500000.0) or 500000.0))
    return "%d 点额度" % quota


def timeout_seconds(requested) -> int:
    """The hold's lifetime: the request's value or EXTERNAL_BILLING_DEFAULT_TIMEOUT, capped at the maximum."""
    cfg = config.settings
    timeout = cfg.external_billing_default_timeout if cfg.external_billing_default_timeout > 0 else 600
    if isinstance(requested, (int, float)) and not isinstance(requested, bool) and requested > 0:
        timeout = int(requested)
    if cfg.external_billing_max_timeout > 0:
        timeout = min(timeout, cfg.external_billing_max_timeout)
    return timeout


def consume(payer: Payer, body: dict, request_id: str = "", trace_id: str = "") -> TokenTransaction:
    """Run one consume call described by ``body`` (the fork's request fields). Raises ConsumeError."""
    auto_confirm_expired(payer.token_id)
    reason = str(body.get("add_reason") or "").strip()
    if not reason:
        raise ConsumeError("add_reason cannot be empty")
    phase = str(body.get("phase") or "").strip().lower() or "single"
    amount = _quota_field(body, "add_used_quota")
    elapsed = _optional_positive(body, "elapsed_time_ms")
    if phase == "pre":
        if not amount:
            raise ConsumeError("add_used_quota must be greater than 0 for pre phase")
        return pre(payer, amount, reason, timeout_seconds(body.get("timeout_seconds")), elapsed, request_id,
                   trace_id)
    if phase == "single":
        if not amount:
            raise ConsumeError("add_used_quota must be greater than 0 for immediate consumption")
        txn = pre(payer, amount, reason, timeout_seconds(None), elapsed, request_id, trace_id)
        return post(payer, txn.transaction_id, amount, reason, elapsed)
    transaction_id = str(body.get("transaction_id") or "").strip()
    if phase == "post":
        if not transaction_id:
            raise ConsumeError("transaction_id is required for post phase")
        final = _quota_field(body, "final_used_quota") if body.get("final_used_quota") is not None else amount
        if final is None or (body.get("final_used_quota") is None and not amount):
            raise ConsumeError("final_used_quota or add_used_quota must be provided for post phase")
        return post(payer, transaction_id, final, reason, elapsed)
    if phase == "cancel":
        if not transaction_id:
            raise ConsumeError("transaction_id is required for cancel phase")
        return cancel(payer, transaction_id)
    raise ConsumeError(f"unsupported phase: {phase}")


def pre(payer: Payer, amount: int, reason: str, timeout: int, elapsed: int | None, request_id: str,
        trace_id: str) -> TokenTransaction:
    now = time.time()
    transaction_id = str(uuid.uuid4())
    content = f"External ({reason}) pre-consumed {log_quota(amount)} (transaction {transaction_id}, timeout {timeout}s)"
    log_row = {
        "user_id": payer.user_id, "created_at": int(now), "type": LOG_CONSUME, "content": content,
        "username": payer.username, "token_name": payer.token_name, "model_name": reason, "quota": amount,
        "prompt_tokens": 0, "completion_tokens": 0, "channel_id": 0, "request_id": request_id or "",
        "elapsed_time": elapsed or 0, "is_stream": False, "system_prompt_reset": False,
        "cached_prompt_tokens": 0, "cached_completion_tokens": 0, "trace_id": trace_id or "",
        "updated_at": int(now * 1000),
    }
    txn = {
        "transaction_id": transaction_id, "token_id": payer.token_id, "user_id": payer.user_id,
        "status": TXN_PENDING, "pre_quota": amount, "final_quota": None, "reason": reason,
        "request_id": (request_id or "")[:64], "trace_id": (trace_id or "")[:64],
        "expires_at": int(now) + timeout, "auto_confirmed": False, "elapsed_time_ms": elapsed,
        "created_at": int(now * 1000), "updated_at": int(now * 1000),
    }
    same_db = log_database.obj is database.obj

    def work() -> None:
        accounts.take(payer.user_id, payer.token_id, payer.token_limited, amount)
        User.update(used_quota=User.used_quota + amount, request_count=User.request_count + 1) \
            .where(User.id == payer.user_id).execute()
        if same_db:
            txn["log_id"] = Log.insert(**log_row).execute()
        TokenTransaction.insert(**txn).execute()

    try:
        accounts.in_transaction(work)
    except accounts.HoldRefused as refused:
        raise ConsumeError("pre-consume token quota: " + ("令牌额度不足" if refused.who == "token" else "用户额度不足"),
                           403) from None
    if not same_db:
        log_id = Log.insert(**log_row).execute()
        TokenTransaction.update(log_id=log_id).where(_txn_key(payer.token_id, transaction_id)).execute()
    _invalidate(payer)
    return _get(payer.token_id, transaction_id)


def post(payer: Payer, transaction_id: str, final: int, reason: str, elapsed: int | None) -> TokenTransaction:
    txn = _get(payer.token_id, transaction_id)
    _require_pending(txn, "is already")
    now = int(time.time())
    delta = final - (txn.pre_quota or 0)
    changes = {TokenTransaction.status: TXN_CONFIRMED, TokenTransaction.final_quota: final,
               TokenTransaction.confirmed_at: now, TokenTransaction.auto_confirmed: False,
               TokenTransaction.expires_at: 0, TokenTransaction.reason: reason,
               TokenTransaction.updated_at: now * 1000}
    if elapsed:
        changes[TokenTransaction.elapsed_time_ms] = elapsed
    log_changes = {"quota": final, "content": f"External ({reason}) finalized {log_quota(final)} "
                                              f"(pre {log_quota(txn.pre_quota or 0)}, transaction {transaction_id})"}
    if elapsed:
        log_changes["elapsed_time"] = elapsed
    _finalize(payer, txn, changes, balance=delta, used=delta, log_changes=log_changes)
    return _get(payer.token_id, transaction_id)


def cancel(payer: Payer, transaction_id: str) -> TokenTransaction:
    txn = _get(payer.token_id, transaction_id)
    _require_pending(txn, "cannot be canceled because it is")
    now = int(time.time())
    pre_quota = txn.pre_quota or 0
    changes = {TokenTransaction.status: TXN_CANCELED, TokenTransaction.canceled_at: now,
               TokenTransaction.final_quota: 0, TokenTransaction.expires_at: 0,
               TokenTransaction.updated_at: now * 1000}
    log_changes = {"quota": 0, "content": f"External ({txn.reason}) canceled pre-consume hold "
                                          f"{log_quota(pre_quota)} (transaction {transaction_id})"}
    _finalize(payer, txn, changes, balance=-pre_quota, used=-pre_quota, log_changes=log_changes)
    return _get(payer.token_id, transaction_id)


def auto_confirm_expired(token_id: int) -> int:
    """Confirm this token's holds whose time ran out, at their held amount. Returns how many."""
    now = int(time.time())
    expired = list(TokenTransaction.select().where(
        (TokenTransaction.token_id == token_id) & (TokenTransaction.status == TXN_PENDING)
        & (TokenTransaction.expires_at > 0) & (TokenTransaction.expires_at <= now)))
    done = 0
    for txn in expired:
        changes = {TokenTransaction.status: TXN_AUTO_CONFIRMED, TokenTransaction.final_quota: txn.pre_quota,
                   TokenTransaction.confirmed_at: now, TokenTransaction.auto_confirmed: True,
                   TokenTransaction.expires_at: 0, TokenTransaction.updated_at: now * 1000}
        log_changes = {"quota": txn.pre_quota or 0, "content": f"External ({txn.reason}) auto-confirmed "
                                                                f"{log_quota(txn.pre_quota or 0)} "
                                                                f"(transaction {txn.transaction_id})"}
        try:
            _finalize(None, txn, changes, balance=0, used=0, log_changes=log_changes)
            done += 1
        except ConsumeError:
            pass  # settled concurrently by someone else
    return done


def transaction_to_dict(txn: TokenTransaction) -> dict:
    """The fork's ``transaction`` object of the consume response."""
    out = {
        "id": txn.id, "transaction_id": txn.transaction_id, "token_id": txn.token_id, "status_code": txn.status,
        "status": TXN_STATUS_NAMES.get(txn.status, "unknown"), "pre_quota": txn.pre_quota or 0,
        "final_quota": txn.final_quota, "auto_confirmed": bool(txn.auto_confirmed),
        "expires_at": txn.expires_at or 0, "reason": txn.reason or "", "request_id": txn.request_id or "",
        "trace_id": txn.trace_id or "",
    }
    for name in ("confirmed_at", "canceled_at", "log_id", "elapsed_time_ms"):
        if getattr(txn, name) is not None:
            out[name] = getattr(txn, name)
    out["created_at"] = txn.created_at or 0
    out["updated_at"] = txn.updated_at or 0
    return out


# ------------------------------------------------------------------ internals


def _finalize(payer: Payer | None, txn: TokenTransaction, changes: dict, balance: int, used: int,
              log_changes: dict) -> None:
    """Claim the pending row and move the difference, in one transaction."""
    limited = payer.token_limited if payer else not _token_unlimited(txn.token_id)
    same_db = log_database.obj is database.obj
    now = int(time.time())

    def work() -> None:
        claimed = TokenTransaction.update(changes).where(
            (TokenTransaction.id == txn.id) & (TokenTransaction.status == TXN_PENDING)).execute()
        if not claimed:
            raise ConsumeError(f"transaction {txn.transaction_id} is no longer pending")
        if balance and limited:
            Token.update(remain_quota=Token.remain_quota - balance, used_quota=Token.used_quota + balance,
                         accessed_time=now).where(Token.id == txn.token_id).execute()
        if balance or used:
            User.update(quota=User.quota - balance, used_quota=User.used_quota + used) \
                .where(User.id == txn.user_id).execute()
        if same_db and txn.log_id:
            Log.update(log_changes).where(Log.id == txn.log_id).execute()

    accounts.in_transaction(work)
    if not same_db and txn.log_id:
        Log.update(log_changes).where(Log.id == txn.log_id).execute()
    if payer is not None:
        _invalidate(payer)


def _token_unlimited(token_id: int) -> bool:
    row = Token.select(Token.unlimited_quota).where(Token.id == token_id).tuples().first()
    return bool(row and row[0])


def _txn_key(token_id: int, transaction_id: str):
    return (TokenTransaction.token_id == token_id) & (TokenTransaction.transaction_id == transaction_id)


def _get(token_id: int, transaction_id: str) -> TokenTransaction:
    txn = TokenTransaction.get_or_none(_txn_key(token_id, transaction_id))
    if txn is None or txn.transaction_id != transaction_id:  # MySQL compares case-insensitively
        raise ConsumeError(f"transaction {transaction_id} not found", 404)
    return txn


def _require_pending(txn: TokenTransaction, wording: str) -> None:
    if txn.status != TXN_PENDING:
        raise ConsumeError(f"transaction {txn.transaction_id} {wording} "
                           f"{TXN_STATUS_NAMES.get(txn.status, 'unknown')}")


def _quota_field(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise ConsumeError(f"{name} must be a non-negative integer")
    if value > MAX_QUOTA:
        raise ConsumeError(f"{name} exceeds supported quota range")
    return int(value)


def _optional_positive(body: dict, name: str) -> int | None:
    value = body.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return int(value)
    return None


def _invalidate(payer: Payer) -> None:
    accounts.invalidate(payer.user_id, payer.token_key if payer.token_limited else None)
