import json

import pytest

from oneapi.billing import group_ratio, parse_ratio_map, resolve_pricing
from oneapi.billing.ratio import UNKNOWN_MODEL_RATIO, parse_model_configs


def test_bundled_current_model_in_ratio_scale():
    p = resolve_pricing("claude-sonnet-4-5", 14)
    # $3 in / $15 out / $0.30 read / $3.75 write-5m / $6 write-1h per 1M tokens
    assert (p.ratio, p.completion_ratio) == (1.5, 5.0)
    assert (p.cached_input_ratio, p.cache_write_5m_ratio, p.cache_write_1h_ratio) == (0.15, 1.875, 3.0)
    assert p.ratio_source == "bundled" and p.known


def test_unknown_model_falls_back_to_30_and_name_rules():
    p = resolve_pricing("some-new-model", 1)
    assert p.ratio == UNKNOWN_MODEL_RATIO == 30.0
    assert p.completion_ratio == 1.0 and not p.known
    assert resolve_pricing("claude-9-unknown", 14).completion_ratio == 3.0
    assert resolve_pricing("claude-3-unknown", 14).completion_ratio == 5.0
    assert resolve_pricing("gpt-3.5-turbo-9999", 1).completion_ratio == pytest.approx(4 / 3)
    assert resolve_pricing("gpt-3.5-turbo-1106x-1106", 1).completion_ratio == 2.0


def test_models_the_original_knew_keep_its_numbers_by_default():
    # The original billed gpt-4o at $5/M (ratio 2.5) with completion 4; today's list price is $2.50.
    p = resolve_pricing("gpt-4o", 1)
    assert (p.ratio, p.completion_ratio, p.cached_input_ratio) == (2.5, 4.0, 0.0)
    # gemini-1.5-flash: same input price, but the original's completion rule (3) wins.
    g = resolve_pricing("gemini-1.5-flash", 24)
    assert (g.ratio, g.completion_ratio) == (0.0375, 3.0)
    # prefer_current switches to today's list prices (and their cache prices).
    c = resolve_pricing("gpt-4o", 1, prefer_current=True)
    assert (c.ratio, c.completion_ratio, c.cached_input_ratio) == (1.25, 4.0, 0.625)


def test_same_price_as_original_gets_todays_cache_prices():
    p = resolve_pricing("gpt-4o-mini", 1)
    assert (p.ratio, p.completion_ratio, p.cached_input_ratio) == (0.075, 4.0, 0.0375)


def test_original_rmb_constant_is_integer_division():
    assert resolve_pricing("qwen2.5-72b-instruct", 17).ratio == pytest.approx(0.004 * 71)


def test_option_overrides_bundled_and_channel_type_key_wins():
    options = {"ModelRatio": json.dumps({"gpt-4o": 1.25, "gpt-4o(3)": 2.0}),
               "CompletionRatio": json.dumps({"gpt-4o": 3.5})}
    openai = resolve_pricing("gpt-4o", 1, options=options)
    assert (openai.ratio, openai.completion_ratio, openai.ratio_source) == (1.25, 3.5, "option")
    # An option equal to today's list price brings today's cache price along.
    assert openai.cached_input_ratio == 0.625
    azure = resolve_pricing("gpt-4o", 3, options=options)
    assert azure.ratio == 2.0 and azure.cached_input_ratio == 0.0


def test_bundled_channel_type_key_beats_plain_option():
    # "<model>(<type>)" in the defaults is consulted before "<model>" in the option.
    options = {"ModelRatio": '{"llama3-8b-8192": 9}'}
    assert resolve_pricing("llama3-8b-8192", 33, options=options).ratio == 0.15
    assert resolve_pricing("llama3-8b-8192", 29, options=options).ratio == 9.0
    assert resolve_pricing("llama3-70b-8192", 33).completion_ratio == pytest.approx(0.0035 / 0.00265)


def test_internet_suffix_is_stripped_like_the_original():
    plain = resolve_pricing("qwen-max", 17)
    web = resolve_pricing("qwen-max-internet", 17)
    assert web.ratio == plain.ratio and web.ratio_source == "bundled"
    assert resolve_pricing("command-r-internet", 35).ratio == resolve_pricing("command-r", 35).ratio
    # the completion lookup strips it only for qwen-*
    assert resolve_pricing("command-r-internet", 35).completion_ratio == 1.0


def test_channel_model_configs_take_precedence():
    configs = json.dumps({"gpt-4o": {"ratio": 3.0, "completion_ratio": 2.0, "cached_input_ratio": 0.5,
                                     "cache_write_5m_ratio": -1}})
    options = {"ModelRatio": '{"gpt-4o": 1.25}', "CompletionRatio": '{"gpt-4o": 3.5}'}
    p = resolve_pricing("gpt-4o", 1, model_configs=configs, options=options)
    assert (p.ratio, p.completion_ratio, p.cached_input_ratio, p.cache_write_5m_ratio) == (3.0, 2.0, 0.5, -1.0)
    assert p.ratio_source == "channel" and p.completion_source == "channel"


def test_channel_config_zero_fields_fall_through():
    configs = {"claude-sonnet-4-5": {"completion_ratio": 6}}
    p = resolve_pricing("claude-sonnet-4-5", 14, model_configs=configs)
    assert (p.ratio, p.completion_ratio, p.ratio_source, p.completion_source) == (1.5, 6.0, "bundled", "channel")
    assert p.cache_write_1h_ratio == 3.0  # ratio unchanged, so list cache prices still apply


def test_channel_ratio_override_drops_stale_list_cache_prices():
    p = resolve_pricing("claude-sonnet-4-5", 14, model_configs={"claude-sonnet-4-5": {"ratio": 3.0}})
    assert p.ratio == 3.0 and (p.cached_input_ratio, p.cache_write_5m_ratio) == (0.0, 0.0)


def test_legacy_channel_maps_only_without_model_configs_entry():
    legacy_ratio, legacy_completion = '{"gpt-4o": 7}', '{"gpt-4o": 1.5}'
    p = resolve_pricing("gpt-4o", 1, channel_model_ratio=legacy_ratio, channel_completion_ratio=legacy_completion)
    assert (p.ratio, p.completion_ratio, p.ratio_source) == (7.0, 1.5, "channel_legacy")
    q = resolve_pricing("gpt-4o", 1, model_configs='{"gpt-4o": {"ratio": 2}}',
                        channel_model_ratio=legacy_ratio, channel_completion_ratio=legacy_completion)
    assert (q.ratio, q.completion_ratio) == (2.0, 4.0)


def test_channel_image_and_audio_blocks():
    configs = {"my-image": {"ratio": 1, "image": {"price_per_image_usd": 0.5,
                                                  "quality_size_multipliers": {"hd": {"1024x1024": 2}},
                                                  "size_multipliers": {"512x512": 0.5}}},
               "my-stt": {"ratio": 1, "audio": {"usd_per_second": 0.001}}}
    image = resolve_pricing("my-image", 1, model_configs=configs).image
    assert image.per_image_usd("1024x1024", "hd") == 1.0
    assert image.per_image_usd("512x512", None) == 0.25
    assert image.per_image_usd("1024x1024", None) == 0.5
    assert resolve_pricing("my-stt", 1, model_configs=configs).audio.usd_per_second == 0.001


@pytest.mark.parametrize("value", [None, "", "   ", "not json", "[1,2]"])
def test_empty_or_invalid_json_means_no_override(value):
    assert dict(parse_ratio_map(value)) == {}
    assert dict(parse_model_configs(value)) == {}
    assert resolve_pricing("gpt-4o-mini", 1, model_configs=value, options={"ModelRatio": value or ""}).ratio == 0.075


def test_option_parsing_is_cached_per_text():
    text = '{\n  "a": 1,\n  "b": "x",\n  "c": true\n}'
    first = parse_ratio_map(text)
    assert dict(first) == {"a": 1.0}
    assert parse_ratio_map(text) is first


def test_group_ratio_uses_users_group_and_defaults_to_one():
    options = {"GroupRatio": '{\n  "default": 1,\n  "vip": 0.8,\n  "svip": 0.6\n}'}
    assert group_ratio("vip", options) == 0.8
    assert group_ratio("svip", options) == 0.6
    assert group_ratio("gold", options) == 1.0
    assert group_ratio("vip", {}) == 1.0  # built-in default table
    assert group_ratio(None, options) == 1.0
