import pytest

from oneapi.billing import (
    TextUsage, consume_log_content, embedding_quota, image_log_content, image_quota, image_usage_quota,
    plan_reservation, preconsume_quota, price_detail, resolve_pricing, responses_preconsume_quota,
    speech_quota, text_charge, text_quota, transcription_preconsume_quota, transcription_quota,
)
from oneapi.billing.ratio import Pricing

# Binary-exact prices so every expected value below is plain arithmetic.
CACHED = Pricing(model="m", ratio=0.5, completion_ratio=4.0, cached_input_ratio=0.125,
                 cache_write_5m_ratio=0.625, cache_write_1h_ratio=1.0)


def test_original_formula_for_plain_requests():
    p = Pricing(model="deepseek-chat", ratio=0.07, completion_ratio=2.0)
    # (20000 + 5000*2) * (0.07*0.8) = 1680.0000000000002 in float64 -> 1681
    assert text_quota(20000, 5000, p, 0.8) == 1681
    assert text_quota(3200, 1450, Pricing(model="gpt-4o", ratio=1.25, completion_ratio=4.0), 1.0) == 11250


def test_min_one_and_zero_tokens():
    assert text_quota(1, 0, Pricing(model="m", ratio=0.0001, completion_ratio=1), 1) == 1
    assert text_quota(10, 10, Pricing(model="openrouter/auto", ratio=-500000.0, completion_ratio=1), 1) == 1
    assert text_quota(0, 0, CACHED, 1) == 0
    assert text_quota(100, 100, Pricing(model="free", ratio=0.0, completion_ratio=1), 1) == 0


def test_cached_reads_and_writes_openai_convention():
    usage = TextUsage(prompt_tokens=10000, completion_tokens=300, cached_tokens=6000,
                      cache_write_5m_tokens=1000, cache_write_1h_tokens=500)
    charge = text_charge(usage, CACHED, 1.0)
    # non-cached 2500: (2500 + 300*4)*0.5 + 6000*0.125 + 1000*0.625 + 500*1.0 = 1850+750+625+500
    assert charge.quota == 3725
    assert (charge.non_cached_prompt_tokens, charge.cached_tokens) == (2500, 6000)
    assert text_charge(usage, CACHED, 0.5).quota == 1863  # 1862.5 rounded up


def test_cached_reads_and_writes_anthropic_convention():
    usage = TextUsage(prompt_tokens=2500, completion_tokens=300, cached_tokens=6000,
                      cache_write_5m_tokens=1000, cache_write_1h_tokens=500, prompt_includes_cache=False)
    assert text_charge(usage, CACHED, 1.0).quota == 3725


def test_cache_buckets_larger_than_prompt_are_treated_as_separate():
    usage = TextUsage(prompt_tokens=100, completion_tokens=0, cached_tokens=400)
    # 100*0.5 + 400*0.125
    assert text_charge(usage, CACHED, 1.0).quota == 100


def test_cache_writes_capped_to_the_uncached_part():
    usage = TextUsage(prompt_tokens=1000, completion_tokens=0, cached_tokens=600,
                      cache_write_5m_tokens=300, cache_write_1h_tokens=300)
    charge = text_charge(usage, CACHED, 1.0)
    # 400 uncached tokens left for 600 writes: trim 200 from the 1h bucket first
    assert (charge.non_cached_prompt_tokens, charge.cache_write_5m_tokens, charge.cache_write_1h_tokens) == (0, 300, 100)
    assert charge.quota == 363  # 600*0.125 + 300*0.625 + 100*1.0 = 362.5


def test_cache_price_zero_means_input_price_negative_means_free():
    usage = TextUsage(prompt_tokens=1000, completion_tokens=0, cached_tokens=600)
    no_cache_price = Pricing(model="m", ratio=0.5, completion_ratio=1)
    assert text_charge(usage, no_cache_price, 1).quota == 500
    free = Pricing(model="m", ratio=0.5, completion_ratio=1, cached_input_ratio=-1)
    assert text_charge(usage, free, 1).quota == 200


def test_tools_cost_is_added():
    usage = TextUsage(prompt_tokens=100, completion_tokens=0, tools_cost=5000)
    charge = text_charge(usage, Pricing(model="m", ratio=0.5, completion_ratio=1), 1)
    assert charge.quota == 5050
    assert consume_log_content(Pricing(model="m", ratio=0.5, completion_ratio=1), 1, charge).endswith("tools cost 5000")


def test_real_cached_discount_with_bundled_prices():
    p = resolve_pricing("claude-haiku-4-5", 14)  # $1 in, $5 out, $0.10 read, $1.25 write-5m
    usage = TextUsage(prompt_tokens=1000, completion_tokens=1000, cached_tokens=10000,
                      cache_write_5m_tokens=2000, prompt_includes_cache=False)
    # 1000*0.5 + 1000*2.5 + 10000*0.05 + 2000*0.625 = 500 + 2500 + 500 + 1250
    assert text_charge(usage, p, 1.0).quota == 4750


def test_embeddings_bill_prompt_tokens_only():
    assert embedding_quota(2048, resolve_pricing("text-embedding-3-small", 1), 1.0) == 21


def test_preconsume_estimate():
    assert preconsume_quota(100, 1000, 1.5) == 2400  # (500+100+1000)*1.5
    assert preconsume_quota(100, None, 1.5) == 900
    assert preconsume_quota(10, 0, 0.075 * 0.8) == 30  # 30.6 truncated toward zero
    assert preconsume_quota(100, 1000, 1.5, pre_consumed_quota=0) == 1650


def test_trusted_user_reserves_nothing():
    rich = plan_reservation(2400, user_quota=240001)
    assert (rich.trusted, rich.reserve, rich.sufficient) == (True, 0, True)
    edge = plan_reservation(2400, user_quota=240000)
    assert (edge.trusted, edge.reserve) == (False, 2400)
    poor = plan_reservation(2400, user_quota=1000)
    assert (poor.sufficient, poor.reserve) == (False, 2400)
    limited = plan_reservation(2400, user_quota=10**9, token_unlimited=False, token_remain_quota=5000)
    assert (limited.trusted, limited.reserve) == (False, 2400)


def test_responses_background_reservation():
    assert responses_preconsume_quota(200, 1000, 1.0, 2.0) == 2200
    assert responses_preconsume_quota(200, 1000, 1.0, 2.0, background=True) == 30000  # 15000 * 2
    assert responses_preconsume_quota(200, 1000, 1.0, 2.0, background=True, background_tokens=100) == 2200
    assert responses_preconsume_quota(0, None, 0.25, 1.0) == 1


def test_dalle_images_follow_the_original():
    p = resolve_pricing("dall-e-3", 1)
    assert image_quota(p, 1.0) == 20000  # $0.04
    assert image_quota(p, 1.0, quality="hd") == 40000
    assert image_quota(p, 1.0, size="1792x1024", quality="hd") == 60000
    assert image_quota(p, 1.0, n=2, size="1024x1792") == 80000
    assert image_quota(p, 0.8) == 16000
    assert image_quota(resolve_pricing("dall-e-2", 1), 1.0, size="512x512") == 11250
    assert image_log_content(p, 0.8) == "模型倍率 20.00，分组倍率 0.80"


def test_replicate_charges_one_image():
    p = resolve_pricing("black-forest-labs/flux-schnell", 46)
    assert image_quota(p, 1.0, n=4, channel_type=46) == 1500  # $0.003


def test_gpt_image_per_image_and_prompt_tokens():
    p = resolve_pricing("gpt-image-1", 1)
    assert image_quota(p, 1.0, size="1024x1536", quality="high", prompt_tokens=100) == 125250
    assert image_quota(p, 1.0, n=2, size="1024x1024", quality="low") == 11000
    # token billing: 100 text * 2.5 + 200 image-in * 5 + 1000 out * 2.5 * 8
    assert image_usage_quota(100, 200, 1000, p, 1.0) == 250 + 1000 + 20000


def test_transcription_by_duration_and_original_quirk():
    whisper = resolve_pricing("whisper-1", 1)
    assert transcription_quota(60, whisper, 1.0) == 3000  # $0.006 per minute
    assert transcription_quota(0.5, whisper, 0.8) == 20
    assert transcription_quota(0, whisper, 1.0) == 0
    unpriced = Pricing(model="x-stt", ratio=15, completion_ratio=0)
    assert transcription_quota(60, unpriced, 1.0, transcript_tokens=42) == 42
    assert transcription_preconsume_quota(15 * 0.8) == 6000


def test_speech_by_characters():
    tts = resolve_pricing("tts-1", 1)
    assert speech_quota("a" * 1000, tts, 1.0) == 7500  # $15 per 1M characters
    assert speech_quota("你好" * 500, tts, 1.0) == 7500
    assert speech_quota("a" * 1000, resolve_pricing("tts-1-hd", 1), 0.5) == 7500
    legacy = Pricing(model="tts-x", ratio=7.5, completion_ratio=1)
    assert speech_quota("你好", legacy, 1.0) == 45  # original: UTF-8 bytes x ratio


def test_log_content_format():
    p = Pricing(model="llama", ratio=0.295, completion_ratio=1.34)
    assert consume_log_content(p, 0.8) == "倍率：0.29 × 0.80 × 1.34"
    charge = text_charge(TextUsage(1000, 10, cached_tokens=500), CACHED, 1.0)
    assert consume_log_content(CACHED, 1.0, charge) == (
        "倍率：0.50 × 1.00 × 4.00, cached_prompt 500, cache_write_5m 0, cache_write_1h 0")


def test_price_detail_records_what_was_used():
    charge = text_charge(TextUsage(10000, 300, cached_tokens=6000, cache_write_5m_tokens=1000,
                                   cache_write_1h_tokens=500), CACHED, 1.0)
    detail = price_detail(CACHED, 1.0, charge)
    assert detail["quota"] == 3725 and detail["usd"] == pytest.approx(3725 / 500000)
    assert detail["tokens"] == {"prompt_non_cached": 2500, "cached": 6000, "cache_write_5m": 1000,
                                "cache_write_1h": 500, "completion": 300}
    assert detail["prices_per_token"]["cached"] == 0.125
    assert detail["input_usd_per_million"] == 1.0 and detail["output_usd_per_million"] == 4.0


def test_text_usage_from_internal_usage_and_option_helper():
    from types import SimpleNamespace

    from oneapi.billing import pre_consumed_quota_option

    usage = TextUsage.of(SimpleNamespace(input=10000, output=300, cache_read=6000, cache_write_5m=1000,
                                         cache_write_1h=500))
    assert text_charge(usage, CACHED, 1.0).quota == 3725
    assert pre_consumed_quota_option({"PreConsumedQuota": "700"}) == 700
    assert pre_consumed_quota_option({"PreConsumedQuota": "x"}) == 500
    assert pre_consumed_quota_option(None) == 500
