"""Bundled default prices, shipped with the code (never fetched).

Units (same as the original One API):
* quota is an integer; 500,000 quota = 1 USD;
* a *ratio* is quota per token: ratio 1 = $2 per 1M tokens, so ``ratio = usd_per_1m * 0.5``;
* ``completion_ratio`` = output price / input price;
* ``cached_input_ratio`` and ``cache_write_*_ratio`` are quota per token like ``ratio``
  (0 = "same as the input price", negative = free), as in the maintained fork.

Two tables are combined by :func:`bundled_price`:
* the original's built-in table (:mod:`.legacy_table`) for every model the original knew,
  so migrated deployments keep billing identically;
* ``CURRENT_PRICES`` below for current models (official list prices, USD per 1M tokens,
  checked against the providers' pricing pages and the fork's tables, late 2025 / 2026).
By default a model the original knew keeps the original's ratio and completion ratio; its
current cache prices are attached only when the original's ratio and completion ratio equal
today's list price (otherwise cached tokens bill at the input price, exactly as before).
``prefer_current=True`` makes current list prices win instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, Optional

from . import legacy_table

QUOTA_PER_USD = 500_000
RATIO_PER_USD_PER_MILLION = 0.5  # ratio of a model costing $1 per 1M tokens


@dataclass(frozen=True)
class ImagePrice:
    """Per-image prices in USD.

    ``usd`` is a table quality -> size -> USD per image ("default" = any quality). Sizes or
    qualities missing from it cost ``base_usd`` times the size and quality multipliers
    (the fork's ``image`` block), or are unpriced when ``base_usd`` is 0.
    """

    usd: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    base_usd: float = 0.0
    size_multipliers: Mapping[str, float] = field(default_factory=dict)
    quality_multipliers: Mapping[str, float] = field(default_factory=dict)
    default_size: str = "1024x1024"
    default_quality: str = "default"
    input_image_usd_per_million: float = 0.0  # image *input* tokens of GPT Image models

    def per_image_usd(self, size: Optional[str] = None, quality: Optional[str] = None) -> Optional[float]:
        size = size or self.default_size
        quality = quality or self.default_quality
        for key in (quality, "default"):
            by_size = self.usd.get(key)
            if by_size and size in by_size:
                return by_size[size]
        if self.base_usd > 0:
            return self.base_usd * self.size_multipliers.get(size, 1.0) * self.quality_multipliers.get(quality, 1.0)
        return None


@dataclass(frozen=True)
class AudioPrice:
    """Duration / character prices for audio endpoints (0 = not priced this way)."""

    usd_per_second: float = 0.0  # speech-to-text, by input duration
    usd_per_million_chars: float = 0.0  # text-to-speech, by input characters
    input_audio_usd_per_million: float = 0.0  # speech-to-text answers with token usage (gpt-4o-transcribe)


@dataclass(frozen=True)
class ModelPrice:
    ratio: float
    completion_ratio: float = 1.0
    cached_input_ratio: float = 0.0
    cache_write_5m_ratio: float = 0.0
    cache_write_1h_ratio: float = 0.0
    image: Optional[ImagePrice] = None
    audio: Optional[AudioPrice] = None
    source: str = field(default="bundled", compare=False)

    def has_cache_prices(self) -> bool:
        return bool(self.cached_input_ratio or self.cache_write_5m_ratio or self.cache_write_1h_ratio)


def usd_per_million(inp: float, out: Optional[float] = None, cached: Optional[float] = None,
                    write_5m: Optional[float] = None, write_1h: Optional[float] = None) -> ModelPrice:
    """A price given as official USD per 1M tokens, converted to the ratio scale."""
    ratio = inp * RATIO_PER_USD_PER_MILLION
    # Divide the decimal prices exactly (as Go constant expressions do), then round once.
    completion = 1.0 if out is None or inp == 0 else float(Fraction(str(out)) / Fraction(str(inp)))

    def per_token(usd: Optional[float]) -> float:
        if usd is None:
            return 0.0
        return usd * RATIO_PER_USD_PER_MILLION if usd > 0 else -1.0  # $0 cache read = free

    return ModelPrice(ratio=ratio, completion_ratio=completion, cached_input_ratio=per_token(cached),
                      cache_write_5m_ratio=per_token(write_5m), cache_write_1h_ratio=per_token(write_1h))


def _same(names: str, price: ModelPrice) -> dict:
    return {name: price for name in names.split()}


P = usd_per_million

# Anthropic: input, output, cache read, cache write 5m (1.25x), cache write 1h (2x).
_CLAUDE_HAIKU_3 = P(0.25, 1.25, 0.03, 0.30, 0.50)
_CLAUDE_HAIKU_35 = P(0.80, 4.0, 0.08, 1.0, 1.6)
_CLAUDE_HAIKU_45 = P(1.0, 5.0, 0.10, 1.25, 2.0)
_CLAUDE_SONNET = P(3.0, 15.0, 0.30, 3.75, 6.0)
_CLAUDE_OPUS_OLD = P(15.0, 75.0, 1.50, 18.75, 30.0)
_CLAUDE_OPUS_NEW = P(5.0, 25.0, 0.50, 6.25, 10.0)

_GPT_IMAGE_1 = ImagePrice(usd=MappingProxyType({
    "low": {"1024x1024": 0.011, "1024x1536": 0.016, "1536x1024": 0.016},
    "medium": {"1024x1024": 0.042, "1024x1536": 0.063, "1536x1024": 0.063},
    "high": {"1024x1024": 0.167, "1024x1536": 0.25, "1536x1024": 0.25},
    "auto": {"1024x1024": 0.167, "1024x1536": 0.25, "1536x1024": 0.25},
    "default": {"1024x1024": 0.167, "1024x1536": 0.25, "1536x1024": 0.25},
}), default_size="1024x1024", default_quality="auto", input_image_usd_per_million=10.0)
_GPT_IMAGE_1_MINI = ImagePrice(usd=MappingProxyType({
    "low": {"1024x1024": 0.005, "1024x1536": 0.006, "1536x1024": 0.006},
    "medium": {"1024x1024": 0.011, "1024x1536": 0.015, "1536x1024": 0.015},
    "high": {"1024x1024": 0.036, "1024x1536": 0.052, "1536x1024": 0.052},
    "auto": {"1024x1024": 0.036, "1024x1536": 0.052, "1536x1024": 0.052},
    "default": {"1024x1024": 0.036, "1024x1536": 0.052, "1536x1024": 0.052},
}), default_size="1024x1024", default_quality="auto", input_image_usd_per_million=2.5)

CURRENT_PRICES: Mapping[str, ModelPrice] = MappingProxyType({
    # ---- OpenAI chat / reasoning
    **_same("gpt-4o gpt-4o-2024-08-06 gpt-4o-2024-11-20", P(2.5, 10.0, 1.25)),
    **_same("gpt-4o-2024-05-13 chatgpt-4o-latest", P(5.0, 15.0)),
    **_same("gpt-4o-mini gpt-4o-mini-2024-07-18", P(0.15, 0.60, 0.075)),
    **_same("gpt-4o-search-preview", P(2.5, 10.0)),
    **_same("gpt-4o-mini-search-preview", P(0.15, 0.60)),
    **_same("gpt-4.1 gpt-4.1-2025-04-14", P(2.0, 8.0, 0.50)),
    **_same("gpt-4.1-mini gpt-4.1-mini-2025-04-14", P(0.40, 1.60, 0.10)),
    **_same("gpt-4.1-nano gpt-4.1-nano-2025-04-14", P(0.10, 0.40, 0.025)),
    **_same("gpt-4.5-preview gpt-4.5-preview-2025-02-27", P(75.0, 150.0, 37.5)),
    **_same("gpt-5 gpt-5-2025-08-07 gpt-5-chat-latest gpt-5-codex", P(1.25, 10.0, 0.125)),
    **_same("gpt-5-mini gpt-5-mini-2025-08-07", P(0.25, 2.0, 0.025)),
    **_same("gpt-5-nano gpt-5-nano-2025-08-07", P(0.05, 0.40, 0.005)),
    **_same("gpt-5-pro gpt-5-pro-2025-10-06", P(15.0, 120.0)),
    **_same("gpt-5.1 gpt-5.1-2025-11-13 gpt-5.1-chat-latest gpt-5.1-codex", P(1.25, 10.0, 0.125)),
    **_same("gpt-5.1-codex-mini", P(0.25, 2.0, 0.025)),
    **_same("gpt-5.2 gpt-5.2-2025-12-11 gpt-5.2-chat-latest gpt-5.2-codex", P(1.75, 14.0, 0.175)),
    **_same("gpt-5.2-pro gpt-5.2-pro-2025-12-11", P(21.0, 168.0)),
    **_same("gpt-5.4 gpt-5.4-2026-03-05", P(2.5, 15.0, 0.25)),
    **_same("gpt-5.4-mini", P(0.75, 4.5, 0.075)),
    **_same("gpt-5.4-nano", P(0.20, 1.25, 0.02)),
    **_same("gpt-5.4-pro", P(30.0, 180.0)),
    **_same("gpt-5.5 gpt-5.5-2026-04-23", P(5.0, 30.0, 0.50)),
    **_same("gpt-5.5-pro", P(30.0, 180.0)),
    **_same("o1 o1-2024-12-17 o1-preview o1-preview-2024-09-12", P(15.0, 60.0, 7.5)),
    **_same("o1-mini o1-mini-2024-09-12", P(1.10, 4.40, 0.55)),
    **_same("o1-pro o1-pro-2025-03-19", P(150.0, 600.0)),
    **_same("o3 o3-2025-04-16", P(2.0, 8.0, 0.50)),
    **_same("o3-mini o3-mini-2025-01-31", P(1.10, 4.40, 0.55)),
    **_same("o3-pro o3-pro-2025-06-10", P(20.0, 80.0)),
    **_same("o3-deep-research o3-deep-research-2025-06-26", P(10.0, 40.0, 2.50)),
    **_same("o4-mini o4-mini-2025-04-16", P(1.10, 4.40, 0.275)),
    **_same("o4-mini-deep-research o4-mini-deep-research-2025-06-26", P(2.0, 8.0, 0.50)),
    **_same("gpt-3.5-turbo gpt-3.5-turbo-0125", P(0.50, 1.50)),
    **_same("gpt-3.5-turbo-1106", P(1.0, 2.0)),
    **_same("gpt-3.5-turbo-instruct", P(1.50, 2.0)),
    **_same("gpt-4-turbo gpt-4-turbo-2024-04-09", P(10.0, 30.0)),
    **_same("gpt-4 gpt-4-0613", P(30.0, 60.0)),
    # ---- OpenAI embeddings / moderation (moderation is free)
    "text-embedding-3-small": P(0.02),
    "text-embedding-3-large": P(0.13),
    "text-embedding-ada-002": P(0.10),
    **_same("omni-moderation-latest omni-moderation-2024-09-26 text-moderation-latest "
            "text-moderation-stable", P(0.0)),
    # ---- OpenAI images: token prices for prompts, per-image prices for renders
    "gpt-image-1": replace(P(5.0, 40.0, 1.25), image=_GPT_IMAGE_1),
    "gpt-image-1-mini": replace(P(2.0, 8.0, 0.20), image=_GPT_IMAGE_1_MINI),
    # ---- OpenAI audio
    "whisper-1": replace(P(6.0), audio=AudioPrice(usd_per_second=0.0001)),  # $0.006 / minute
    # billed by the tokens they report (audio in $6 / $3 per 1M); per second when an answer has no usage
    "gpt-4o-transcribe": replace(P(2.5, 10.0), audio=AudioPrice(usd_per_second=0.0001,
                                                                input_audio_usd_per_million=6.0)),
    "gpt-4o-mini-transcribe": replace(P(1.25, 5.0), audio=AudioPrice(usd_per_second=0.00005,
                                                                     input_audio_usd_per_million=3.0)),
    **_same("tts-1 tts-1-1106", replace(P(15.0), audio=AudioPrice(usd_per_million_chars=15.0))),
    **_same("tts-1-hd tts-1-hd-1106", replace(P(30.0), audio=AudioPrice(usd_per_million_chars=30.0))),
    # ~$0.015 per minute of speech; billed per input character when no usage is returned.
    **_same("gpt-4o-mini-tts gpt-4o-mini-tts-2025-12-15",
            replace(P(0.60, 12.0), audio=AudioPrice(usd_per_million_chars=15.0))),
    # Chat audio models: text prices (audio tokens, $32-$80 / 1M, are billed as text until usage carries them)
    **_same("gpt-4o-audio-preview gpt-4o-audio-preview-2024-12-17 gpt-4o-audio-preview-2025-06-03 "
            "gpt-audio gpt-audio-2025-08-28", P(2.5, 10.0)),
    **_same("gpt-4o-mini-audio-preview gpt-4o-mini-audio-preview-2024-12-17", P(0.15, 0.60)),
    **_same("gpt-audio-mini gpt-audio-mini-2025-10-06", P(0.60, 2.40)),
    # ---- Anthropic
    **_same("claude-3-haiku-20240307", _CLAUDE_HAIKU_3),
    **_same("claude-3-5-haiku-20241022 claude-3-5-haiku-latest", _CLAUDE_HAIKU_35),
    **_same("claude-haiku-4-5 claude-haiku-4-5-20251001", _CLAUDE_HAIKU_45),
    **_same("claude-3-sonnet-20240229 claude-3-5-sonnet-20240620 claude-3-5-sonnet-20241022 "
            "claude-3-5-sonnet-latest claude-3-7-sonnet-20250219 claude-3-7-sonnet-latest "
            "claude-sonnet-4-20250514 claude-sonnet-4-0 claude-sonnet-4 "
            "claude-sonnet-4-5-20250929 claude-sonnet-4-5 claude-sonnet-4-6", _CLAUDE_SONNET),
    **_same("claude-3-opus-20240229 claude-3-opus-latest claude-opus-4-20250514 claude-opus-4-0 "
            "claude-opus-4 claude-opus-4-1-20250805 claude-opus-4-1", _CLAUDE_OPUS_OLD),
    **_same("claude-opus-4-5-20251101 claude-opus-4-5 claude-opus-4-6 claude-opus-4-7", _CLAUDE_OPUS_NEW),
    # ---- Google Gemini (prompts up to 128K/200K; long-context surcharges are not modelled)
    **_same("gemini-1.5-flash gemini-1.5-flash-001 gemini-1.5-flash-002", P(0.075, 0.30, 0.01875)),
    **_same("gemini-1.5-flash-8b", P(0.0375, 0.15, 0.01)),
    **_same("gemini-1.5-pro gemini-1.5-pro-001 gemini-1.5-pro-002", P(1.25, 5.0, 0.3125)),
    **_same("gemini-2.0-flash gemini-2.0-flash-001", P(0.10, 0.40, 0.025)),
    **_same("gemini-2.0-flash-lite gemini-2.0-flash-lite-001", P(0.075, 0.30)),
    **_same("gemini-2.5-flash", P(0.30, 2.50, 0.03)),
    **_same("gemini-2.5-flash-lite", P(0.10, 0.40, 0.01)),
    **_same("gemini-2.5-pro", P(1.25, 10.0, 0.125)),
    # image output is 1290 tokens at $30 / 1M: $0.039 per image on /v1/images/generations
    **_same("gemini-2.5-flash-image gemini-2.5-flash-image-preview",
            replace(P(0.30, 100.0), image=ImagePrice(base_usd=0.039))),
    # ---- Google Imagen (Vertex AI predict): per image only
    **_same("imagen-3.0-generate-001 imagen-3.0-generate-002 imagen-4.0-generate-001",
            replace(P(0.0), image=ImagePrice(base_usd=0.04))),
    **_same("imagen-3.0-fast-generate-001 imagen-4.0-fast-generate-001",
            replace(P(0.0), image=ImagePrice(base_usd=0.02))),
    "imagen-4.0-ultra-generate-001": replace(P(0.0), image=ImagePrice(base_usd=0.06)),
    **_same("gemini-3-pro-preview gemini-3.1-pro-preview", P(2.0, 12.0, 0.20)),
    **_same("gemini-3-flash-preview", P(0.50, 3.0, 0.05)),
    "gemini-embedding-001": P(0.15),
    "text-embedding-004": P(0.0),
    # ---- DeepSeek (V3.2 list price: cache miss / cache hit / output)
    **_same("deepseek-chat deepseek-reasoner", P(0.28, 0.42, 0.028)),
    # ---- xAI
    **_same("grok-2-1212 grok-2 grok-2-latest grok-2-vision-1212", P(2.0, 10.0)),
    **_same("grok-3 grok-3-latest grok-3-beta", P(3.0, 15.0, 0.75)),
    **_same("grok-3-fast grok-3-fast-latest", P(5.0, 25.0, 1.25)),
    **_same("grok-3-mini grok-3-mini-latest grok-3-mini-beta", P(0.30, 0.50, 0.075)),
    **_same("grok-3-mini-fast grok-3-mini-fast-latest", P(0.60, 4.0, 0.15)),
    **_same("grok-4 grok-4-0709 grok-4-latest", P(3.0, 15.0, 0.75)),
    **_same("grok-4-fast-reasoning grok-4-fast-non-reasoning grok-4-1-fast-reasoning "
            "grok-4-1-fast-non-reasoning", P(0.20, 0.50, 0.05)),
    "grok-code-fast-1": P(0.20, 1.50, 0.02),
    "grok-4.7": P(2.0, 6.0, 0.50),
    # ---- Mistral
    # "-latest" aliases move: large-latest is Mistral Large 3, medium-latest Medium 3.5 (2026).
    **_same("mistral-large-latest mistral-large-2512", P(0.50, 1.50)),
    "mistral-large-2411": P(2.0, 6.0),
    **_same("mistral-medium-latest mistral-medium-3.5 mistral-medium-3-5-26-04", P(1.50, 7.50)),
    **_same("mistral-medium-2505 mistral-medium-2508", P(0.40, 2.0)),
    **_same("mistral-small-latest mistral-small-2503 mistral-small-2506", P(0.10, 0.30)),
    **_same("codestral-latest codestral-2501 codestral-2508", P(0.30, 0.90)),
    **_same("devstral-small-latest devstral-small-2507", P(0.10, 0.30)),
    **_same("devstral-medium-latest devstral-medium-2507", P(0.40, 2.0)),
    **_same("magistral-medium-latest", P(2.0, 5.0)),
    **_same("magistral-small-latest", P(0.50, 1.50)),
    **_same("pixtral-large-latest", P(2.0, 6.0)),
    **_same("pixtral-12b-2409 open-mistral-nemo", P(0.15, 0.15)),
    **_same("ministral-8b-latest", P(0.10, 0.10)),
    **_same("ministral-3b-latest", P(0.04, 0.04)),
    "mistral-embed": P(0.10),
    # ---- Groq-hosted open models
    "llama-3.3-70b-versatile": P(0.59, 0.79),
    "llama-3.1-8b-instant": P(0.05, 0.08),
    "meta-llama/llama-4-scout-17b-16e-instruct": P(0.11, 0.34),
    "meta-llama/llama-4-maverick-17b-128e-instruct": P(0.20, 0.60),
    "openai/gpt-oss-120b": P(0.15, 0.60),
    "openai/gpt-oss-20b": P(0.075, 0.30),
    "qwen/qwen3-32b": P(0.29, 0.59),
    "moonshotai/kimi-k2-instruct": P(1.0, 3.0),
    "moonshotai/kimi-k2-instruct-0905": P(1.0, 3.0),
    # ---- Cohere
    "command-a-03-2025": P(2.50, 10.0),
    "command-r-plus-08-2024": P(2.50, 10.0),
    "command-r-08-2024": P(0.15, 0.60),
    "command-r7b-12-2024": P(0.0375, 0.15),
    # ---- Moonshot (international list prices)
    **_same("kimi-k2-0711-preview kimi-k2-0905-preview kimi-k2-thinking", P(0.60, 2.50, 0.15)),
    **_same("kimi-k2-turbo-preview kimi-k2-thinking-turbo", P(1.15, 8.0, 0.15)),
    # ---- Qwen (Alibaba Cloud international)
    "qwen3-max": P(1.20, 6.0),
    "qwen-flash": P(0.05, 0.40),
    "qwen3-coder-plus": P(1.0, 5.0),
    "qwen3-coder-flash": P(0.30, 1.50),
    "qwq-plus": P(0.80, 2.40),
    # ---- Zhipu GLM (z.ai international)
    **_same("glm-4.5 glm-4.6", P(0.60, 2.20, 0.11)),
    "glm-4.5-air": P(0.20, 1.10, 0.03),
    "glm-4.5-flash": P(0.0),
    "glm-4.5v": P(0.60, 1.80, 0.11),
})


def _matches(legacy_ratio: float, legacy_completion: float, current: ModelPrice) -> bool:
    return abs(legacy_ratio - current.ratio) < 1e-12 and abs(legacy_completion - current.completion_ratio) < 1e-9


def legacy_default_completion(name: str) -> float:
    """The completion ratio the original's defaults give ``name`` (explicit entry, else name rule)."""
    explicit = legacy_table.LEGACY_COMPLETION_RATIO.get(name)
    return explicit if explicit is not None else legacy_table.legacy_completion_rule(name)


@lru_cache(maxsize=4096)
def bundled_price(name: str, prefer_current: bool = False) -> Optional[ModelPrice]:
    """The bundled default for an exact name (``"model(<channel type>)"`` keys included).

    Returns ``None`` when neither table knows the name.
    """
    current = CURRENT_PRICES.get(name)
    legacy_ratio = legacy_table.LEGACY_MODEL_RATIO.get(name)
    if legacy_ratio is None:
        return current
    if current is not None and prefer_current:
        return current
    legacy_completion = legacy_default_completion(name)
    legacy = ModelPrice(ratio=legacy_ratio, completion_ratio=legacy_completion, source="legacy")
    if current is None:
        return legacy
    if _matches(legacy_ratio, legacy_completion, current):
        # Same list price as the original: keep its exact numbers, add today's cache prices.
        return replace(current, ratio=legacy_ratio, completion_ratio=legacy_completion, source="legacy")
    # Different price: bill like the original; keep only non-token pricing it never had.
    return replace(legacy, image=current.image, audio=current.audio)
