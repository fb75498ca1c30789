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


def _approximate_counting() -> bool:
    """The original's ApproximateTokenEnabled option: bytes x 0.38 instead of tiktoken everywhere."""
    from oneapi.services.options import options
    return options.get_bool("ApproximateTokenEnabled")


def count_text(text: str, model: str) -> int:
    if not text:
        return 0
    if tokenizer is not None:
        try:
            return int(tokenizer.count_text(text, model, _approximate_counting()))
        except Exception:
            log.warning("tokenizer failed; estimating", exc_info=True)
    return max(1, len(text) // 4)


def count_prompt(body: dict | None, raw: bytes, model: str, mode: str = "chat", approximate: bool = False) -> int:
    """Prompt tokens counted locally (for the reservation and for streams that end without usage)."""
    if body and tokenizer is not None:
        try:
            if mode == "claude":
                return int(tokenizer.count_claude_prompt(body, model, approximate))
            if mode == "responses":
                return int(tokenizer.count_responses_input(body, model, approximate))
            if mode == "gemini":
                from oneapi.relay.token_counting import count_gemini
                return count_gemini(body, model, approximate)
            if isinstance(body.get("messages"), list):
                return int(tokenizer.count_chat_prompt(body["messages"], model, approximate))
        except Exception:
            log.warning("prompt counting failed; estimating", exc_info=True)
    if body:
        for key in ("input", "prompt"):
            value = body.get(key)
            if isinstance(value, str):
                return tokenizer.count_text(value, model, approximate) if tokenizer else count_text(value, model)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return sum(tokenizer.count_text(v, model, approximate) if tokenizer else count_text(v, model)
                           for v in value)
    return max(1, len(raw) // 4) if raw else 0


class PromptCount:
    """A request's prompt tokens: a quick approximation (bytes x 0.38, above tiktoken's count for most text)
    first, and tiktoken's exact count only where it matters - a reservation for a user without a wide
    margin, or a bill without the provider's usage. Most requests never need the encodings, so most workers
    never load their 25-45 MB."""

    def __init__(self, body: dict | None, raw: bytes, model: str, mode: str):
        self._args = (body, raw, model, mode)
        self._exact: int | None = None

    def approximate(self) -> int:
        return count_prompt(*self._args, approximate=True)

    def exact(self) -> int:
        if self._exact is None:
            self._exact = count_prompt(*self._args, approximate=_approximate_counting())
        return self._exact


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
    prompt: PromptCount | None = None
    reservation: object = None
    done: bool = False

    media_quota: int | None = None
    upload_seconds: float = 0.0  # speech-to-text: the uploaded audio's duration
    # a run of responses_state.background: usage only arrives at the end, so the ledger reserves at least
    # PRECONSUME_TOKEN_FOR_BACKGROUND_REQUEST output tokens
    background: bool = False

    def _context(self):
        token, user, ch = self.caller.token, self.caller.user, self.channel
        return ledger.RelayContext(
            self.request_id, user.id, user.username, user.group, token.id, token.name, token.key,
            token.unlimited_quota, ch.id, ch.type, getattr(ch, "model_configs", None) or "",
            self.requested_model, self.model, self.is_stream, self.started_at, background=self.background)

    def prompt_tokens(self) -> int:
        """The prompt's exact local count (a bill without the provider's usage)."""
        return self.prompt.exact() if self.prompt is not None else 0

    def reserve(self, prompt: PromptCount, max_tokens: int | None, rr=None) -> None:
        self.prompt = prompt
        if ledger is None:
            return
        ctx = self._context()
        if rr is not None and rr.mode in _TRANSCRIPTION_MODES:
            from oneapi.billing import audio_length
            upload = next((data for name, _, _, data in rr.files if name == "file"), b"")
            self.upload_seconds = audio_length.seconds(upload) or 0.0
        try:
            up_front = _media_quota_before(ctx, rr) if rr is not None else None
            self.media_quota = up_front
            if up_front is not None:
                self.reservation = ledger.reserve(ctx, 0, max_tokens, quota=up_front)
            else:
                self.reservation = ledger.reserve(ctx, prompt.approximate(), max_tokens, exact_prompt=prompt.exact)
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
            usage = UsageNumbers(self.prompt_tokens(), count_text(delivered_text, self.model))
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

    def settle_transcription(self, body) -> None:
        """Speech-to-text: by the audio duration the provider reports, else the transcript's tokens."""
        if ledger is None or self.reservation is None:
            return self.settle_quota(0)
        text = body.get("text", "") if isinstance(body, dict) else str(body or "")
        from oneapi.billing import quota as rules
        res = self.reservation
        tokens = count_text(text, self.model)
        self.settle_quota(rules.transcription_charge(body, res.pricing, res.group_ratio, tokens,
                                                     self.upload_seconds), UsageNumbers(0, tokens))

    def settle_image(self, body, usage: UsageNumbers | None) -> None:
        """Images: the per-image price fixed before the call, plus what a GPT Image answer's usage adds."""
        quota = self.media_quota or 0
        if ledger is not None and self.reservation is not None and isinstance(body, dict):
            from oneapi.billing import quota as rules
            res = self.reservation
            quota += rules.image_input_quota(body.get("usage"), res.pricing, res.group_ratio)
        self.settle_quota(quota, usage)

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


_IMAGE_MODES = {"images", "images_edits"}
_TRANSCRIPTION_MODES = {"audio_transcription", "audio_translation"}


def _media_quota_before(ctx, rr) -> int | None:
    """Images and speech are priced before the call (as the original); transcriptions hold a deposit."""
    if rr.mode not in _IMAGE_MODES and rr.mode != "audio_speech" and rr.mode not in _TRANSCRIPTION_MODES:
        return None
    from oneapi.billing import quota as rules
    from oneapi.services.options import options
    pricing, group = ledger.prices(ctx)
    fields = rr.json if rr.json is not None else rr.form
    if rr.mode in _IMAGE_MODES:
        try:
            n = int(fields.get("n") or 1)
        except (TypeError, ValueError):
            n = 1
        return rules.image_quota(pricing, group, n, fields.get("size"), fields.get("quality"),
                                 channel_type=ctx.channel_type)
    if rr.mode == "audio_speech":
        return rules.speech_quota(str(fields.get("input") or ""), pricing, group)
    return rules.transcription_preconsume_quota(pricing.ratio * group,
                                                options.get_int("PreConsumedQuota", 500))
