"""Quota formulas: pure functions from token counts and prices to integer quota.

Float semantics follow the original (Go float64, ``math.Ceil``, ``int64()`` truncation), so a
plain request bills exactly ``ceil((prompt + completion * completion_ratio) * model_ratio *
group_ratio)`` - e.g. 30000 tokens x 0.07 x 0.8 gives 1681, not 1680.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

from .prices import QUOTA_PER_USD, RATIO_PER_USD_PER_MILLION
from .ratio import Pricing

# The fork's default reservation for Responses API background requests, in output tokens.
DEFAULT_BACKGROUND_PRECONSUME_TOKENS = 15000
DEFAULT_PRE_CONSUMED_QUOTA = 500  # the PreConsumedQuota option's default (tokens)


def _ceil_money(value: float) -> int:
    """Ceil of a quota derived from USD prices, ignoring float dust (60 s x $0.0001 x 500000)."""
    return int(math.ceil(round(value, 6)))


# ---------------------------------------------------------------- text

@dataclass(frozen=True)
class TextUsage:
    """Token counts reported for one request.

    ``prompt_includes_cache`` states the provider convention: True (OpenAI, Gemini, the internal
    usage model) means ``prompt_tokens`` already contains cached-read and cache-write tokens;
    False (Anthropic's native ``input_tokens``) means they are reported separately. Counts that
    cannot fit inside the prompt are treated as separate whatever the flag says (as the fork does).
    """

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    prompt_includes_cache: bool = True
    tools_cost: int = 0  # quota already computed for priced tools (web search, ...)

    @classmethod
    def of(cls, usage, tools_cost: int = 0) -> "TextUsage":
        """From the relay's internal usage (``input``, ``output``, ``cache_read``,
        ``cache_write_5m``, ``cache_write_1h`` - OpenAI's convention, cache included in input)."""
        return cls(prompt_tokens=int(getattr(usage, "input", 0) or 0),
                   completion_tokens=int(getattr(usage, "output", 0) or 0),
                   cached_tokens=int(getattr(usage, "cache_read", 0) or 0),
                   cache_write_5m_tokens=int(getattr(usage, "cache_write_5m", 0) or 0),
                   cache_write_1h_tokens=int(getattr(usage, "cache_write_1h", 0) or 0),
                   tools_cost=tools_cost)


@dataclass(frozen=True)
class TextCharge:
    quota: int
    non_cached_prompt_tokens: int
    cached_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    completion_tokens: int
    input_price: float  # quota per token, group applied
    output_price: float
    cached_price: float
    cache_write_5m_price: float
    cache_write_1h_price: float
    tools_cost: int = 0


def _token_price(special_ratio: float, group: float, input_price: float) -> float:
    """A cache price: 0/absent -> the input price, negative -> free."""
    if special_ratio < 0:
        return 0.0
    if special_ratio > 0:
        return special_ratio * group
    return input_price


def _split_prompt(usage: TextUsage):
    prompt = max(usage.prompt_tokens, 0)
    cached = max(usage.cached_tokens, 0)
    w5m = max(usage.cache_write_5m_tokens, 0)
    w1h = max(usage.cache_write_1h_tokens, 0)
    separate = (not usage.prompt_includes_cache) or cached > prompt or w5m + w1h > prompt
    if separate:
        return prompt, cached, w5m, w1h
    non_cached = prompt - cached
    excess = w5m + w1h - non_cached
    if excess > 0:  # writes cannot exceed what is left: trim 1h first, then 5m
        take = min(w1h, excess)
        w1h -= take
        w5m -= min(w5m, excess - take)
        return 0, cached, w5m, w1h
    return non_cached - w5m - w1h, cached, w5m, w1h


def text_charge(usage: TextUsage, pricing: Pricing, group_ratio: float) -> TextCharge:
    """Final quota of a text request (chat, completions, Responses, Claude Messages, embeddings).

    ``quota = ceil((non_cached + completion * completion_ratio) * ratio * group
    + cached * cached_price + w5m * p5m + w1h * p1h) + tools_cost``; at least 1 when the
    ratio is not 0 and tokens were used, 0 when no tokens were used. With no cache activity
    the extra terms are exactly 0.0 and this is the original's expression, bit for bit.
    """
    ratio = pricing.ratio * group_ratio  # evaluated first, as the original does
    non_cached, cached, w5m, w1h = _split_prompt(usage)
    completion = max(usage.completion_tokens, 0)
    cached_price = _token_price(pricing.cached_input_ratio, group_ratio, ratio)
    p5m = _token_price(pricing.cache_write_5m_ratio, group_ratio, ratio)
    p1h = _token_price(pricing.cache_write_1h_ratio, group_ratio, ratio)

    cost = (float(non_cached) + float(completion) * pricing.completion_ratio) * ratio
    if cached or w5m or w1h:
        cost += float(cached) * cached_price + float(w5m) * p5m + float(w1h) * p1h
    quota = int(math.ceil(cost)) + usage.tools_cost
    if ratio != 0 and quota <= 0:
        quota = 1
    if non_cached + cached + w5m + w1h + completion == 0:
        quota = usage.tools_cost
    return TextCharge(
        quota=quota, non_cached_prompt_tokens=non_cached, cached_tokens=cached,
        cache_write_5m_tokens=w5m, cache_write_1h_tokens=w1h, completion_tokens=completion,
        input_price=ratio, output_price=ratio * pricing.completion_ratio, cached_price=cached_price,
        cache_write_5m_price=p5m, cache_write_1h_price=p1h, tools_cost=usage.tools_cost)


def text_quota(prompt_tokens: int, completion_tokens: int, pricing: Pricing, group_ratio: float) -> int:
    """The original's formula for a request without cache information."""
    return text_charge(TextUsage(prompt_tokens, completion_tokens), pricing, group_ratio).quota


def embedding_quota(prompt_tokens: int, pricing: Pricing, group_ratio: float) -> int:
    return text_charge(TextUsage(prompt_tokens, 0), pricing, group_ratio).quota


# ---------------------------------------------------------------- pre-consumption

def pre_consumed_quota_option(options) -> int:
    """The ``PreConsumedQuota`` option (tokens) from the options table, default 500."""
    try:
        return int(str((options or {}).get("PreConsumedQuota", DEFAULT_PRE_CONSUMED_QUOTA)).strip())
    except ValueError:
        return DEFAULT_PRE_CONSUMED_QUOTA


def preconsume_quota(prompt_tokens: int, max_tokens: Optional[int], ratio: float,
                     pre_consumed_quota: int = DEFAULT_PRE_CONSUMED_QUOTA) -> int:
    """The original's estimate: ``int((PreConsumedQuota + prompt + max_tokens) * ratio)``.

    ``ratio`` is model ratio x group ratio; ``max_tokens`` is the request's limit (the fork
    prefers ``max_completion_tokens`` when both are sent - choose it before calling).
    """
    tokens = pre_consumed_quota + prompt_tokens + (max_tokens or 0)
    return int(float(tokens) * ratio)


def responses_preconsume_quota(prompt_tokens: int, max_output_tokens: Optional[int],
                               input_price: float, output_price: float, background: bool = False,
                               background_tokens: int = DEFAULT_BACKGROUND_PRECONSUME_TOKENS) -> int:
    """The fork's Responses API estimate, prices being quota per token with the group applied.

    A background request reports usage only at the end, so it reserves at least
    ``ceil(PRECONSUME_TOKEN_FOR_BACKGROUND_REQUEST x output price)``.
    """
    base = int(float(prompt_tokens) * input_price + float(max_output_tokens or 0) * output_price)
    if input_price != 0 and base <= 0:
        base = 1
    if background and output_price > 0:
        reserve = max(int(math.ceil(float(background_tokens) * output_price)), 1)
        base = max(base, reserve)
    return base


@dataclass(frozen=True)
class Reservation:
    estimate: int  # the pre-consume estimate
    reserve: int  # what to deduct now: 0 for a trusted user
    trusted: bool
    sufficient: bool  # False -> 403 insufficient_user_quota


def plan_reservation(estimate: int, user_quota: int, token_unlimited: bool = True,
                     token_remain_quota: Optional[int] = None) -> Reservation:
    """The original's "trusted user" rule: a user holding more than 100x the estimate reserves nothing.

    When ``token_remain_quota`` is given for a limited token, it must also exceed 100x the
    estimate (the fork's extra condition); leave it ``None`` for the original's behaviour.
    """
    sufficient = user_quota - estimate >= 0
    trusted = user_quota > 100 * estimate
    if trusted and not token_unlimited and token_remain_quota is not None:
        trusted = token_remain_quota > 100 * estimate
    return Reservation(estimate=estimate, reserve=0 if trusted else estimate, trusted=trusted,
                       sufficient=sufficient)


# ---------------------------------------------------------------- images

# The original's size multipliers (relay/billing/ratio/image.go).
LEGACY_IMAGE_SIZE_RATIOS = {
    "dall-e-2": {"256x256": 1.0, "512x512": 1.125, "1024x1024": 1.25},
    "dall-e-3": {"1024x1024": 1.0, "1024x1792": 2.0, "1792x1024": 2.0},
    "ali-stable-diffusion-xl": {s: 1.0 for s in ("512x1024", "1024x768", "1024x1024", "576x1024", "1024x576")},
    "ali-stable-diffusion-v1.5": {s: 1.0 for s in ("512x1024", "1024x768", "1024x1024", "576x1024", "1024x576")},
    "wanx-v1": {s: 1.0 for s in ("1024x1024", "720x1280", "1280x720")},
}
REPLICATE_CHANNEL_TYPE = 46


def legacy_image_cost_ratio(model: str, size: Optional[str], quality: Optional[str]) -> float:
    """Size multiplier, times 2 (1024x1024) or 1.5 (other sizes) for dall-e-3 ``hd``."""
    size = size or "1024x1024"
    ratio = LEGACY_IMAGE_SIZE_RATIOS.get(model, {}).get(size, 1.0)
    if quality == "hd" and model == "dall-e-3":
        ratio *= 2.0 if size == "1024x1024" else 1.5
    return ratio


def image_quota(pricing: Pricing, group_ratio: float, n: int = 1, size: Optional[str] = None,
                quality: Optional[str] = None, prompt_tokens: int = 0, channel_type: int = 0) -> int:
    """Quota for an image generation request, charged before the call as the original does.

    * a per-image price (GPT Image models, a channel's ``image`` block): ``ceil(n x USD per
      image x 500000 x group + prompt_tokens x ratio x group)``;
    * otherwise the original's formula: ``int(ratio x group x size/quality ratio x 1000) x n``
      (dall-e-3 1024x1024 standard -> 20000 = $0.04; Replicate always makes 1 image).
    """
    n = max(int(n or 1), 1)
    per_image = pricing.image.per_image_usd(size, quality) if pricing.image is not None else None
    if per_image is not None:
        cost = float(n) * per_image * QUOTA_PER_USD * group_ratio
        cost += float(prompt_tokens) * pricing.ratio * group_ratio
        return _ceil_money(cost)
    ratio = pricing.ratio * group_ratio
    one = int(ratio * legacy_image_cost_ratio(pricing.model, size, quality) * 1000)
    return one if channel_type == REPLICATE_CHANNEL_TYPE else one * n


def image_usage_quota(text_tokens: int, image_input_tokens: int, output_tokens: int, pricing: Pricing,
                      group_ratio: float, cached_text_tokens: int = 0) -> int:
    """GPT Image models billed from the usage they return (text in, image in, image out)."""
    image_ratio = 0.0
    if pricing.image is not None and pricing.image.input_image_usd_per_million > 0:
        image_ratio = pricing.image.input_image_usd_per_million * 0.5
    charge = text_charge(TextUsage(text_tokens, output_tokens, cached_tokens=min(cached_text_tokens, text_tokens)),
                         pricing, group_ratio)
    extra = float(image_input_tokens) * (image_ratio or pricing.ratio) * group_ratio
    if not extra:
        return charge.quota
    return int(math.ceil(extra)) + charge.quota


def image_input_quota(usage: Optional[dict], pricing: Pricing, group_ratio: float) -> int:
    """What a GPT Image answer's ``usage`` adds to its per-image price: the input tokens, text at the model
    ratio and image input (edits) at the input-image price, ``ceil((text x ratio + image x image ratio) x group)``.

    The output tokens are what the per-image price already pays for (OpenAI's per-image prices are the output
    image tokens at the output price), so they are not charged again. 0 for models without an input-image
    price (dall-e, Gemini, Imagen: the per-image price is the whole charge) and for answers without usage.
    """
    if pricing.image is None or pricing.image.input_image_usd_per_million <= 0 or not isinstance(usage, dict):
        return 0
    details = usage.get("input_tokens_details") if isinstance(usage.get("input_tokens_details"), dict) else {}
    image_tokens = max(int(details.get("image_tokens") or 0), 0)
    text_tokens = details.get("text_tokens")
    if text_tokens is None:
        text_tokens = int(usage.get("input_tokens") or 0) - image_tokens
    image_ratio = pricing.image.input_image_usd_per_million * RATIO_PER_USD_PER_MILLION
    cost = (float(max(int(text_tokens), 0)) * pricing.ratio + float(image_tokens) * image_ratio) * group_ratio
    return _ceil_money(cost)


# ---------------------------------------------------------------- audio

def transcription_quota(duration_seconds: float, pricing: Pricing, group_ratio: float,
                        transcript_tokens: Optional[int] = None) -> int:
    """Speech-to-text: by audio duration (the fork's per-second price, $0.006/min for whisper-1).

    We bill duration because that is what the provider charges. The original instead charged
    the tiktoken count of the transcript with no ratio at all (a quirk); that behaviour is
    used only when the model has no per-second price and ``transcript_tokens`` is given.
    """
    per_second = pricing.audio.usd_per_second if pricing.audio is not None else 0.0
    if per_second > 0:
        if duration_seconds <= 0:
            return 0
        return _ceil_money(float(duration_seconds) * per_second * QUOTA_PER_USD * group_ratio)
    return int(transcript_tokens or 0)


_CUE_END = re.compile(r"-->\s*(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})")


def transcription_seconds(answer) -> float:
    """Seconds of audio a transcription answer says it heard: verbose_json's ``duration``, json's
    ``usage.seconds`` (usage type "duration"), or the end of the last srt / vtt cue. 0 when it does not say
    (the ``text`` format)."""
    if isinstance(answer, dict):
        usage = answer.get("usage") if isinstance(answer.get("usage"), dict) else {}
        for value in (answer.get("duration"), usage.get("seconds") if usage.get("type") == "duration" else None):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                return float(value)
        return 0.0
    ends = _CUE_END.findall(answer or "") if isinstance(answer, str) else []
    if not ends:
        return 0.0
    hours, minutes, seconds, millis = ends[-1]
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def transcription_charge(answer, pricing: Pricing, group_ratio: float, transcript_tokens: int = 0,
                         upload_seconds: float = 0.0) -> int:
    """Final quota of a transcription or translation from the provider's answer (a JSON object, or the text
    of the text / srt / vtt formats).

    An answer with token usage (gpt-4o-transcribe) is billed by it: audio input tokens at the audio input
    price, text input at the model ratio, output at the completion price. Otherwise by the seconds of audio
    the answer reports, or else the seconds measured in the upload (:mod:`.audio_length`), by
    :func:`transcription_quota`.
    """
    usage = answer.get("usage") if isinstance(answer, dict) else None
    audio_price = pricing.audio.input_audio_usd_per_million if pricing.audio is not None else 0.0
    if isinstance(usage, dict) and usage.get("type") == "tokens" and audio_price > 0:
        details = usage.get("input_token_details") if isinstance(usage.get("input_token_details"), dict) else {}
        audio_tokens = max(int(details.get("audio_tokens") or 0), 0)
        text_tokens = max(int(usage.get("input_tokens") or 0) - audio_tokens, 0)
        audio_cost = float(audio_tokens) * audio_price * RATIO_PER_USD_PER_MILLION * group_ratio
        text = text_charge(TextUsage(text_tokens, int(usage.get("output_tokens") or 0)), pricing, group_ratio)
        return int(math.ceil(audio_cost)) + text.quota if audio_cost else text.quota
    heard = transcription_seconds(answer) or max(float(upload_seconds or 0), 0.0)
    return transcription_quota(heard, pricing, group_ratio, transcript_tokens)


def transcription_preconsume_quota(ratio: float, pre_consumed_quota: int = DEFAULT_PRE_CONSUMED_QUOTA) -> int:
    """The original reserves ``int(PreConsumedQuota x ratio)`` before a transcription."""
    return int(float(pre_consumed_quota) * ratio)


def speech_quota(text: str, pricing: Pricing, group_ratio: float) -> int:
    """Text-to-speech, charged before the call by input characters.

    A per-character price (tts-1 $15/1M, tts-1-hd $30/1M) counts characters, as OpenAI does.
    Without one, the original's rule applies: ``int(len(input in UTF-8 bytes) x ratio x group)``.
    """
    per_million = pricing.audio.usd_per_million_chars if pricing.audio is not None else 0.0
    if per_million > 0:
        per_char = per_million * (QUOTA_PER_USD / 1_000_000)  # $15 per 1M chars = 7.5 quota per char
        return int(float(len(text)) * per_char * group_ratio)
    return int(float(len(text.encode("utf-8"))) * (pricing.ratio * group_ratio))


# ---------------------------------------------------------------- log text and cost detail

def consume_log_content(pricing: Pricing, group_ratio: float, charge: Optional[TextCharge] = None) -> str:
    """The consume log's ``content``: the original's ``倍率：model × group × completion``.

    Cache activity, when there was some, is appended in the fork's words.
    """
    text = "倍率：%.2f × %.2f × %.2f" % (pricing.ratio, group_ratio, pricing.completion_ratio)
    if charge is not None and (charge.cached_tokens or charge.cache_write_5m_tokens or charge.cache_write_1h_tokens):
        text += ", cached_prompt %d, cache_write_5m %d, cache_write_1h %d" % (
            charge.cached_tokens, charge.cache_write_5m_tokens, charge.cache_write_1h_tokens)
    if charge is not None and charge.tools_cost:
        text += ", tools cost %d" % charge.tools_cost
    return text


def image_log_content(pricing: Pricing, group_ratio: float) -> str:
    """The original's image log text."""
    return "模型倍率 %.2f，分组倍率 %.2f" % (pricing.ratio, group_ratio)


def price_detail(pricing: Pricing, group_ratio: float, charge: Optional[TextCharge] = None,
                 quota: Optional[int] = None) -> dict:
    """A structured record of the prices used, for the per-request cost detail."""
    detail = {
        "model": pricing.model,
        "model_ratio": pricing.ratio,
        "completion_ratio": pricing.completion_ratio,
        "group_ratio": group_ratio,
        "cached_input_ratio": pricing.cached_input_ratio,
        "cache_write_5m_ratio": pricing.cache_write_5m_ratio,
        "cache_write_1h_ratio": pricing.cache_write_1h_ratio,
        "ratio_source": pricing.ratio_source,
        "completion_source": pricing.completion_source,
        "input_usd_per_million": pricing.ratio * 2,
        "output_usd_per_million": pricing.ratio * pricing.completion_ratio * 2,
    }
    if charge is not None:
        quota = charge.quota
        detail["tokens"] = {
            "prompt_non_cached": charge.non_cached_prompt_tokens,
            "cached": charge.cached_tokens,
            "cache_write_5m": charge.cache_write_5m_tokens,
            "cache_write_1h": charge.cache_write_1h_tokens,
            "completion": charge.completion_tokens,
        }
        detail["prices_per_token"] = {
            "input": charge.input_price, "output": charge.output_price, "cached": charge.cached_price,
            "cache_write_5m": charge.cache_write_5m_price, "cache_write_1h": charge.cache_write_1h_price,
        }
        detail["tools_cost"] = charge.tools_cost
    if quota is not None:
        detail["quota"] = quota
        detail["usd"] = quota / QUOTA_PER_USD
    return detail
