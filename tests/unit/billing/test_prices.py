import pytest

from oneapi.billing import legacy_table
from oneapi.billing.prices import CURRENT_PRICES, bundled_price, usd_per_million

ANTHROPIC_IDS = """claude-3-opus-20240229 claude-3-5-haiku-20241022 claude-3-5-haiku-latest
claude-3-5-sonnet-20240620 claude-3-5-sonnet-20241022 claude-3-5-sonnet-latest claude-3-7-sonnet-20250219
claude-3-7-sonnet-latest claude-sonnet-4-20250514 claude-sonnet-4-0 claude-sonnet-4-5-20250929 claude-sonnet-4-5
claude-opus-4-20250514 claude-opus-4-0 claude-opus-4-1-20250805 claude-opus-4-1 claude-opus-4-5-20251101
claude-opus-4-5 claude-haiku-4-5-20251001 claude-haiku-4-5""".split()


def test_usd_conversion():
    p = usd_per_million(3.0, 15.0, 0.30, 3.75, 6.0)
    assert (p.ratio, p.completion_ratio, p.cached_input_ratio, p.cache_write_5m_ratio, p.cache_write_1h_ratio) == (
        1.5, 5.0, 0.15, 1.875, 3.0)
    assert usd_per_million(0.28, 0.42).completion_ratio == 1.5  # exact decimal division, not 1.4999999999999998
    assert usd_per_million(1.0, 2.0, cached=0).cached_input_ratio == -1.0  # $0 cache read = free


@pytest.mark.parametrize("model", ANTHROPIC_IDS)
def test_every_claude_id_has_cache_prices_in_anthropic_proportions(model):
    price = CURRENT_PRICES[model]
    assert price.completion_ratio == 5.0
    assert price.cached_input_ratio == pytest.approx(price.ratio * 0.1)
    assert price.cache_write_5m_ratio == pytest.approx(price.ratio * 1.25)
    assert price.cache_write_1h_ratio == pytest.approx(price.ratio * 2)


def test_claude_3_haiku_uses_anthropics_rounded_cache_prices():
    price = CURRENT_PRICES["claude-3-haiku-20240307"]  # $0.25 in, $0.30 / $0.50 writes, $0.03 read
    assert (price.ratio, price.cache_write_5m_ratio, price.cache_write_1h_ratio, price.cached_input_ratio) == (
        0.125, 0.15, 0.25, 0.015)


@pytest.mark.parametrize("model", """gpt-4o gpt-4o-mini gpt-4.1 gpt-4.1-mini gpt-4.1-nano gpt-4.5-preview gpt-5
gpt-5-mini gpt-5-nano o1 o3 o3-mini o4-mini gpt-3.5-turbo text-embedding-3-small text-embedding-3-large dall-e-2
dall-e-3 gpt-image-1 whisper-1 tts-1 tts-1-hd gpt-4o-transcribe gpt-4o-mini-tts omni-moderation-latest
gemini-1.5-flash gemini-1.5-pro gemini-2.0-flash gemini-2.0-flash-lite gemini-2.5-flash gemini-2.5-pro
gemini-2.5-flash-lite gemini-3-pro-preview deepseek-chat deepseek-reasoner grok-2-1212 grok-3 grok-4
grok-4-fast-reasoning mistral-large-latest llama-3.3-70b-versatile openai/gpt-oss-120b qwen/qwen3-32b
command-r-plus command-r-08-2024 kimi-k2-0905-preview moonshot-v1-8k qwen-max glm-4.6""".split())
def test_current_models_are_known(model):
    assert bundled_price(model) is not None


def test_cheaper_cache_reads_never_exceed_input_price():
    for name, price in CURRENT_PRICES.items():
        if price.cached_input_ratio > 0:
            assert price.cached_input_ratio < price.ratio, name


def test_legacy_constants_evaluate_like_go():
    table = legacy_table.LEGACY_MODEL_RATIO
    assert table["claude-3-5-haiku-20241022"] == 0.5
    assert table["dall-e-3"] == 20.0
    assert table["deepseek-chat"] == 0.07
    assert table["gemini-1.5-flash"] == 0.0375
    assert table["llama-3.1-70b-versatile"] == pytest.approx(0.000295)  # the original's per-1M slip
    assert table["ERNIE-4.0-8K"] == pytest.approx(0.12 * 71)  # RMB = 500 / 7 in integer constants
    assert table["llama3-70b-8192(33)"] == 1.325
    assert legacy_table.LEGACY_COMPLETION_RATIO["deepseek-reasoner"] == pytest.approx(2.19 / 0.55)


def test_legacy_entry_keeps_new_non_token_pricing():
    whisper = bundled_price("whisper-1")
    assert (whisper.ratio, whisper.completion_ratio, whisper.source) == (15.0, 0.0, "legacy")
    assert whisper.audio.usd_per_second == 0.0001
    assert bundled_price("whisper-1", prefer_current=True).ratio == 3.0
