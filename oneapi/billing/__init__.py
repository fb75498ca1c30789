"""Pricing and token counting: pure functions, no Flask, no database, no network.

* :mod:`.prices` / :mod:`.legacy_table` - the bundled price tables;
* :mod:`.ratio` - which price applies (channel, options, bundled, fallback) and group ratios;
* :mod:`.quota` - the quota formulas, pre-consumption, log text;
* :mod:`.tokenizer` - offline tiktoken counting.
"""

from .prices import QUOTA_PER_USD, AudioPrice, ImagePrice, ModelPrice, bundled_price
from .quota import (
    Reservation,
    TextCharge,
    TextUsage,
    consume_log_content,
    embedding_quota,
    image_log_content,
    image_quota,
    image_usage_quota,
    plan_reservation,
    pre_consumed_quota_option,
    preconsume_quota,
    price_detail,
    responses_preconsume_quota,
    speech_quota,
    text_charge,
    text_quota,
    transcription_preconsume_quota,
    transcription_quota,
)
from .ratio import Pricing, group_ratio, parse_model_configs, parse_ratio_map, resolve_pricing

__all__ = [
    "QUOTA_PER_USD", "AudioPrice", "ImagePrice", "ModelPrice", "bundled_price",
    "Reservation", "TextCharge", "TextUsage", "consume_log_content", "embedding_quota",
    "image_log_content", "image_quota", "image_usage_quota", "plan_reservation", "pre_consumed_quota_option", "preconsume_quota",
    "price_detail", "responses_preconsume_quota", "speech_quota", "text_charge", "text_quota",
    "transcription_preconsume_quota", "transcription_quota",
    "Pricing", "group_ratio", "parse_model_configs", "parse_ratio_map", "resolve_pricing",
]
