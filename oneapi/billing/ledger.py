"""The billing ledger of a relayed request: reserve before the upstream call, settle or refund after.

The relay calls, per request::

    ctx = RelayContext(...)
    res = reserve(ctx, prompt_tokens, max_tokens)   # may raise QuotaError (403)
    settle(res, Usage(...))                         # text: exact charge from the usage
    settle_quota(res, quota, usage)                 # media: a quota computed by oneapi.billing.quota
    refund(res)                                     # failed before the provider answered

Rules, and where we chose between the original One API (ORIG) and its maintained fork (FORK):

* Prices (:mod:`.ratio`, :mod:`.quota`): ORIG. Model and completion ratios honour the ``ModelRatio`` /
  ``CompletionRatio`` options over the bundled table (FORK ignores the options), below the channel's own
  ``model_configs`` (FORK's per-channel pricing, which we also take). The group ratio is the ``GroupRatio``
  of the *user's* group (FORK: cheapest group of the channel).
* Estimate: ORIG ``int((PreConsumedQuota + prompt + max_tokens) x model ratio x group ratio)``; for a
  background request (Responses ``background: true``) at least FORK's
  ``ceil(PRECONSUME_TOKEN_FOR_BACKGROUND_REQUEST x output price)``, because it reports usage only at the end.
* Reservation: ORIG's checks and answers (403 ``insufficient_user_quota`` "user quota is not enough" when
  the user's quota is below the estimate; 403 ``pre_consume_token_quota_failed`` with "令牌额度不足" /
  "用户额度不足" when the hold does not fit) and FORK's "trusted" rule: nothing is reserved when the user
  holds more than 100x the estimate *and* the token is unlimited or also holds more than 100x. Unlike ORIG,
  the balance check and the deduction are one conditional UPDATE, so concurrent requests cannot overdraw.
* Settlement: ORIG. ``delta = final - reserved`` is applied to the user's quota and, for limited tokens only,
  to the token's remaining and used quota plus ``accessed_time``; then ``users.used_quota += final``,
  ``users.request_count += 1``, ``channels.used_quota += final``. Unlimited tokens are never written.
* Log: one consume row (type 2) per settled request unless ``LogConsumeEnabled`` is false, with the ORIG
  columns (``model_name`` is the mapped model, ``elapsed_time`` in ms since the request started) plus FORK's
  ``cached_prompt_tokens``, ``trace_id`` and ``metadata`` (cache-write tokens, reasoning tokens, and
  ``"estimated": true`` when a stream ended without usage and the completion was counted locally). Content
  is ORIG's ``倍率：model × group × completion``, with FORK's cache figures appended when cache was used.
  A refunded request writes no log row (ORIG).
* Cost record: FORK's ``user_request_costs`` row upserted by request id: the estimate at reservation (also
  for trusted users), the final quota at settlement, 0 on refund.
* Streams are billed once, at the end (FORK's interim charges every STREAMING_BILLING_INTERVAL are not
  copied: with the reservation held, the final delta is the same and there are fewer writes).

Each reservation is settled or refunded at most once; a second call is ignored.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

from oneapi import config
from oneapi.billing import accounts
from oneapi.billing import quota as rules
from oneapi.billing import ratio as ratios
from oneapi.models.constants import LOG_CONSUME
from oneapi.services.options import options

log = logging.getLogger(__name__)


class QuotaError(Exception):
    """The request cannot be paid for: answer ``status`` with ``message`` and error ``code``."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass
class RelayContext:
    request_id: str
    user_id: int
    username: str
    user_group: str
    token_id: int
    token_name: str
    token_key: str
    token_unlimited: bool
    channel_id: int
    channel_type: int
    channel_model_configs: str | None
    requested_model: str
    model: str  # the mapped name sent upstream: prices and the log use it
    is_stream: bool
    started_at: float  # time.time() when the request arrived
    background: bool = False  # Responses API background request
    trace_id: str = ""


@dataclass
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False  # counted locally: the stream ended without the provider's usage
    # False when prompt_tokens excludes cached and cache-write tokens (Anthropic's native input_tokens).
    prompt_includes_cache: bool = True
    tools_cost: int = 0  # quota of priced tool calls (web search, ...), already computed


@dataclass
class Reservation:
    ctx: RelayContext
    reserved: int  # quota actually taken from the user (0 for a trusted user)
    estimate: int  # the pre-consume estimate (the provisional cost record)
    pricing: ratios.Pricing
    group_ratio: float
    final: int | None = None
    state: str = "open"  # open | settled | refunded
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _close(self, state: str) -> bool:
        with self._lock:
            if self.state != "open":
                log.warning("request %s already %s; ignoring a second %s", self.ctx.request_id, self.state, state)
                return False
            self.state = state
            return True


# ------------------------------------------------------------------ pricing


def prices(ctx: RelayContext) -> tuple[ratios.Pricing, float]:
    """The price of the mapped model on the serving channel, and the user's group ratio."""
    pricing = ratios.resolve_pricing(ctx.model, ctx.channel_type, ctx.channel_model_configs, options)
    return pricing, ratios.group_ratio(ctx.user_group, options)


def _estimate(pricing: ratios.Pricing, group: float, ctx: RelayContext, prompt_tokens: int,
              max_tokens: int | None) -> int:
    ratio = pricing.ratio * group
    estimate = rules.preconsume_quota(max(int(prompt_tokens or 0), 0), max(int(max_tokens or 0), 0), ratio,
                                      options.get_int("PreConsumedQuota", rules.DEFAULT_PRE_CONSUMED_QUOTA))
    if ctx.background:
        floor = rules.responses_preconsume_quota(
            0, 0, ratio, ratio * pricing.completion_ratio, background=True,
            background_tokens=config.settings.preconsume_token_for_background_request)
        estimate = max(estimate, floor)
    return estimate


def estimate(ctx: RelayContext, prompt_tokens: int, max_tokens: int | None) -> int:
    """The quota ``reserve`` would hold for this request (before the trusted-user rule)."""
    pricing, group = prices(ctx)
    return _estimate(pricing, group, ctx, prompt_tokens, max_tokens)


# ------------------------------------------------------------------ the request's life


def reserve(ctx: RelayContext, prompt_tokens: int, max_tokens: int | None, *,
            quota: int | None = None, exact_prompt=None) -> Reservation:
    """Pre-consume before the upstream call. ``quota`` replaces the estimate when the price is known
    up front (images, speech). ``prompt_tokens`` may be an approximation when ``exact_prompt()`` gives the
    exact count: it is asked for only when the user is not trusted by a wide margin. Raises QuotaError."""
    pricing, group = prices(ctx)
    expected = int(quota) if quota is not None else _estimate(pricing, group, ctx, prompt_tokens, max_tokens)
    expected = max(expected, 0)
    try:
        user_quota = accounts.user_quota(ctx.user_id)
        remain = None if ctx.token_unlimited else accounts.token_remain(ctx.token_id)
    except Exception as exc:  # noqa: BLE001 - database unreachable
        log.exception("reading the quota of user %s failed", ctx.user_id)
        raise QuotaError(500, "failed to read the user's quota", "get_user_quota_failed") from exc
    if user_quota is None:
        raise QuotaError(403, "user quota is not enough", "insufficient_user_quota")
    plan = rules.plan_reservation(expected, user_quota, ctx.token_unlimited, remain)
    if exact_prompt is not None and quota is None and not plan.trusted:
        expected = max(_estimate(pricing, group, ctx, exact_prompt(), max_tokens), 0)
        plan = rules.plan_reservation(expected, user_quota, ctx.token_unlimited, remain)
    if not plan.sufficient:
        raise QuotaError(403, "user quota is not enough", "insufficient_user_quota")
    if plan.reserve > 0:
        try:
            accounts.hold(ctx.user_id, ctx.token_id, ctx.token_key, not ctx.token_unlimited, plan.reserve)
        except accounts.HoldRefused as refused:
            message = "令牌额度不足" if refused.who == "token" else "用户额度不足"
            raise QuotaError(403, message, "pre_consume_token_quota_failed") from None
        except Exception as exc:  # noqa: BLE001
            log.exception("reserving quota for request %s failed", ctx.request_id)
            raise QuotaError(500, "failed to reserve quota", "pre_consume_token_quota_failed") from exc
    res = Reservation(ctx=ctx, reserved=plan.reserve, estimate=expected, pricing=pricing, group_ratio=group)
    accounts.upsert_cost(ctx.request_id, ctx.user_id, expected)
    return res


def settle(res: Reservation, usage: Usage, system_prompt_reset: bool = False) -> int:
    """Charge the exact quota of a text request from its usage. Returns the final quota."""
    if not res._close("settled"):
        return res.final or 0
    charge = rules.text_charge(_text_usage(usage), res.pricing, res.group_ratio)
    content = rules.consume_log_content(res.pricing, res.group_ratio, charge)
    return _finish(res, charge.quota, usage, content, system_prompt_reset)


def settle_quota(res: Reservation, quota: int, usage: Usage | None = None, content: str | None = None) -> int:
    """Charge a quota computed by the caller (images, audio). Returns it.

    ``content`` replaces the log text (default: the original's image wording, model and group ratio)."""
    if not res._close("settled"):
        return res.final or 0
    if content is None:
        content = rules.image_log_content(res.pricing, res.group_ratio)
    return _finish(res, max(int(quota), 0), usage, content, False)


def refund(res: Reservation) -> None:
    """Give the whole reservation back: the request failed before the provider answered."""
    if not res._close("refunded"):
        return
    ctx = res.ctx
    res.final = 0
    if res.reserved:
        accounts.move(accounts.Movement(ctx.user_id, ctx.token_id, ctx.token_key, not ctx.token_unlimited,
                                        ctx.channel_id, balance=-res.reserved))
    accounts.upsert_cost(ctx.request_id, ctx.user_id, 0)
    accounts.await_written()


# ------------------------------------------------------------------ internals


def _text_usage(usage: Usage) -> rules.TextUsage:
    return rules.TextUsage(
        prompt_tokens=int(usage.prompt_tokens or 0), completion_tokens=int(usage.completion_tokens or 0),
        cached_tokens=int(usage.cached_tokens or 0), cache_write_5m_tokens=int(usage.cache_write_5m or 0),
        cache_write_1h_tokens=int(usage.cache_write_1h or 0), prompt_includes_cache=usage.prompt_includes_cache,
        tools_cost=int(usage.tools_cost or 0))


def _finish(res: Reservation, final: int, usage: Usage | None, content: str, system_prompt_reset: bool) -> int:
    ctx = res.ctx
    res.final = final
    row = _log_row(ctx, final, usage, content, system_prompt_reset) if options.get_bool("LogConsumeEnabled") else None
    accounts.move(accounts.Movement(ctx.user_id, ctx.token_id, ctx.token_key, not ctx.token_unlimited,
                                    ctx.channel_id, balance=final - res.reserved, used=final, requests=1), row)
    accounts.upsert_cost(ctx.request_id, ctx.user_id, final)
    accounts.await_written()
    return final


def _log_row(ctx: RelayContext, quota: int, usage: Usage | None, content: str, system_prompt_reset: bool) -> dict:
    now = time.time()
    usage = usage or Usage(0, 0)
    return {
        "user_id": ctx.user_id, "created_at": int(now), "type": LOG_CONSUME, "content": content,
        "username": ctx.username or "", "token_name": ctx.token_name or "", "model_name": ctx.model or "",
        "quota": quota, "prompt_tokens": int(usage.prompt_tokens or 0),
        "completion_tokens": int(usage.completion_tokens or 0), "channel_id": ctx.channel_id or 0,
        "request_id": ctx.request_id or "", "elapsed_time": max(int((now - ctx.started_at) * 1000), 0),
        "is_stream": bool(ctx.is_stream), "system_prompt_reset": bool(system_prompt_reset),
        "cached_prompt_tokens": int(usage.cached_tokens or 0), "cached_completion_tokens": 0,
        "metadata": _metadata(usage), "trace_id": ctx.trace_id or "", "updated_at": int(now * 1000),
    }


def _metadata(usage: Usage) -> str | None:
    meta: dict = {}
    if usage.cache_write_5m or usage.cache_write_1h:
        meta["cache_write_tokens"] = {"ephemeral_5m": int(usage.cache_write_5m or 0),
                                      "ephemeral_1h": int(usage.cache_write_1h or 0)}
    if usage.reasoning_tokens:
        meta["reasoning_tokens"] = int(usage.reasoning_tokens)
    if usage.estimated:
        meta["estimated"] = True
    return json.dumps(meta, separators=(",", ":")) if meta else None


# ------------------------------------------------------------------ background jobs


def start_jobs(cfg) -> None:
    """Flush batched (or temporarily unwritable) quota changes, and prune old cost rows on the master."""
    from oneapi.billing import batch
    from oneapi.services import scheduler
    if cfg.ledger_write_behind:
        batch.start_flusher(max(0, cfg.ledger_flush_interval_ms) / 1000)
    # the periodic flush also retries what a failed write kept in memory
    scheduler.every(max(1, cfg.batch_update_interval), batch.flush, "billing-batch-flush")
    if cfg.is_master:
        scheduler.every(3600, prune_cost_rows, "billing-prune-cost-rows", initial_delay=60)


COST_ROW_RETENTION_SECONDS = 7 * 24 * 3600  # as the fork


def prune_cost_rows() -> int:
    from oneapi.models import UserRequestCost
    cutoff = int(time.time()) - COST_ROW_RETENTION_SECONDS
    return UserRequestCost.delete().where(UserRequestCost.created_time < cutoff).execute()
