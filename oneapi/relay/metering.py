"""Glue between the relay and the billing ledger (oneapi.billing.ledger): reserve, settle, refund.

The relay never computes prices itself. When the ledger module is not installed (a partial checkout),
requests are relayed without charging.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from oneapi.relay.errors import RelayError

log = logging.getLogger(__name__)

try:  # the ledger is written alongside the relay; import lazily-tolerant
    from oneapi.billing import ledger
except ImportError:  # pragma: no cover - depends on the checkout
    ledger = None

try:
    from oneapi.billing import tokenizer
except ImportError:  # pragma: no cover
    tokenizer = None


def count_text(text: str, model: str) -> int:
    if not text:
        return 0
    if tokenizer is not None:
        try:
            return int(tokenizer.count_text(text, model))
        except Exception:
            log.warning("tokenizer failed; estimating", exc_info=True)
    return max(1, len(text) // 4)


def count_prompt(body: dict | None, raw: bytes, model: str) -> int:
    """Prompt tokens counted locally (for the reservation and for streams that end without usage)."""
    if body and isinstance(body.get("messages"), list) and tokenizer is not None:
        try:
            return int(tokenizer.count_chat_prompt(body["messages"], model))
        except Exception:
            log.warning("prompt counting failed; estimating", exc_info=True)
    if body:
        for key in ("input", "prompt"):
            value = body.get(key)
            if isinstance(value, str):
                return count_text(value, model)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return sum(count_text(v, model) for v in value)
    return max(1, len(raw) // 4) if raw else 0


@dataclass
class UsageNumbers:
    prompt: int = 0
    completion: int = 0
    cached: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    reasoning: int = 0

    @classmethod
    def from_ir(cls, usage) -> "UsageNumbers":
        return cls(usage.input, usage.output, usage.cache_read, usage.cache_write_5m, usage.cache_write_1h,
                   usage.reasoning)


@dataclass
class Meter:
    """One request's billing: created per attempt (the channel is part of the price)."""

    request_id: str
    caller: object
    channel: object
    requested_model: str
    model: str
    is_stream: bool
    started_at: float = field(default_factory=time.time)
    prompt_estimate: int = 0
    reservation: object = None
    done: bool = False

    def reserve(self, prompt_tokens: int, max_tokens: int | None) -> None:
        self.prompt_estimate = prompt_tokens
        if ledger is None:
            return
        token, user, ch = self.caller.token, self.caller.user, self.channel
        ctx = ledger.RelayContext(
            self.request_id, user.id, user.username, user.group, token.id, token.name, token.key,
            token.unlimited_quota, ch.id, ch.type, getattr(ch, "model_configs", None) or "",
            self.requested_model, self.model, self.is_stream, self.started_at)
        try:
            self.reservation = ledger.reserve(ctx, prompt_tokens, max_tokens)
        except ledger.QuotaError as exc:
            self.done = True
            raise RelayError(exc.status, exc.message, "one_api_error", exc.code) from exc

    def refund(self) -> None:
        if self.done:
            return
        self.done = True
        if ledger is not None and self.reservation is not None:
            try:
                ledger.refund(self.reservation)
            except Exception:
                log.exception("refund failed for request %s", self.request_id)

    def settle(self, usage: UsageNumbers | None, *, delivered_text: str = "", system_prompt_reset: bool = False,
               estimated: bool = False) -> None:
        if self.done:
            return
        self.done = True
        if usage is None:  # no usage from upstream: count what was delivered
            usage = UsageNumbers(self.prompt_estimate, count_text(delivered_text, self.model))
            estimated = True
        if ledger is None or self.reservation is None:
            return
        try:
            ledger.settle(self.reservation, ledger.Usage(
                usage.prompt, usage.completion, cached_tokens=usage.cached, cache_write_5m=usage.cache_write_5m,
                cache_write_1h=usage.cache_write_1h, reasoning_tokens=usage.reasoning, estimated=estimated),
                system_prompt_reset=system_prompt_reset)
        except Exception:
            log.exception("settling request %s failed", self.request_id)

    def settle_quota(self, quota: int, usage: UsageNumbers | None = None) -> None:
        if self.done:
            return
        self.done = True
        if ledger is None or self.reservation is None:
            return
        try:
            lu = None if usage is None else ledger.Usage(usage.prompt, usage.completion)
            ledger.settle_quota(self.reservation, quota, lu)
        except Exception:
            log.exception("settling request %s failed", self.request_id)
