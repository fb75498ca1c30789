"""Per-model body rules: reasoning parameters only for models that take them, output limits clamped to the
model's maximum, and Claude 4.5+'s temperature-or-top_p."""
from __future__ import annotations

import pytest

from oneapi.relay.providers.anthropic import drop_top_p_beside_temperature, takes_one_sampling_parameter
from oneapi.relay.providers.openai_compatible import (XAI, adapt_reasoning_params, drop_reasoning_params,
                                                      takes_reasoning_params)
from oneapi.relay.providers.output_limits import clamp_output_tokens, max_output_tokens

DEEPSEEK = 36


@pytest.mark.parametrize("model, channel_type, takes", [
    ("gpt-4o-mini", 1, False), ("gpt-4o", 3, False), ("gpt-4o-2024-08-06", 1, False),
    ("gpt-4.1", 1, False), ("gpt-4.1-nano", 50, False), ("gpt-3.5-turbo", 1, False), ("gpt-4", 1, False),
    ("gpt-4-turbo", 1, False), ("chatgpt-4o-latest", 1, False), ("gpt-5-chat-latest", 1, False),
    ("openai/gpt-4o-mini", 20, False), ("GPT-4o-mini", 1, False),
    ("o1", 1, True), ("o3-mini", 1, True), ("o4-mini", 3, True), ("gpt-5", 1, True), ("gpt-5-mini", 1, True),
    ("gpt-5.1", 1, True), ("gpt-5-codex", 1, True),
    ("deepseek-reasoner", DEEPSEEK, True), ("deepseek-chat", DEEPSEEK, True),
    ("grok-3-mini", XAI, True), ("grok-3-mini-fast", XAI, True), ("grok-4.3", XAI, True),
    ("grok-4", XAI, False), ("grok-4-0709", XAI, False), ("grok-4-1-fast-non-reasoning", XAI, False),
    ("grok-code-fast-1", XAI, False), ("grok-3", XAI, False),
    ("qwen3-32b", 29, True),  # unknown to the rules: left alone
])
def test_which_models_take_reasoning_parameters(model, channel_type, takes):
    assert takes_reasoning_params(model, channel_type) is takes


def test_chat_body_for_a_model_that_does_not_reason():
    body = {"model": "gpt-4o-mini", "reasoning_effort": "high", "temperature": 0.2, "max_tokens": 100,
            "messages": []}
    assert adapt_reasoning_params(body, "chat", "gpt-4o-mini", 1)
    assert body == {"model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 100, "messages": []}
    assert not adapt_reasoning_params(body, "chat", "gpt-4o-mini", 1)  # nothing left to change


def test_responses_body_for_a_model_that_does_not_reason():
    body = {"model": "gpt-4.1", "reasoning": {"effort": "medium", "summary": "auto"},
            "include": ["reasoning.encrypted_content", "message.output_text.logprobs"], "input": "hi"}
    assert adapt_reasoning_params(body, "responses", "gpt-4.1", 1)
    assert body == {"model": "gpt-4.1", "include": ["message.output_text.logprobs"], "input": "hi"}
    body = {"reasoning": {"effort": "low"}, "include": ["reasoning.encrypted_content"]}
    assert drop_reasoning_params(body, "responses") and body == {}


def test_reasoning_models_keep_their_effort():
    body = {"reasoning_effort": "high", "max_tokens": 500, "temperature": 0.7}
    assert adapt_reasoning_params(body, "chat", "o3-mini", 1)
    assert body == {"reasoning_effort": "high", "max_completion_tokens": 500}
    body = {"reasoning_effort": "low"}
    assert not adapt_reasoning_params(body, "chat", "grok-3-mini", XAI) and body == {"reasoning_effort": "low"}
    body = {"reasoning_effort": "high"}
    assert not adapt_reasoning_params(body, "chat", "deepseek-reasoner", DEEPSEEK) and body["reasoning_effort"]
    body = {"reasoning": {"effort": "high"}}
    assert not adapt_reasoning_params(body, "responses", "gpt-5", 1) and body == {"reasoning": {"effort": "high"}}


def test_grok_models_without_reasoning_effort_lose_it_on_xai_channels():
    body = {"reasoning_effort": "high", "messages": []}
    assert adapt_reasoning_params(body, "chat", "grok-4", XAI) and body == {"messages": []}


@pytest.mark.parametrize("model, limit", [
    ("gpt-4o-mini", 16384), ("gpt-4o-mini-2024-07-18", 16384), ("gpt-4o", 16384), ("gpt-4o-2024-05-13", 4096),
    ("chatgpt-4o-latest", 16384), ("gpt-4.1-mini", 32768), ("gpt-3.5-turbo-0125", 4096),
    ("gpt-3.5-turbo-16k", 4096), ("gpt-4", 8192), ("gpt-4-0613", 8192), ("gpt-4-turbo-2024-04-09", 4096),
    ("gpt-5", 128000), ("gpt-5-mini-2025-08-07", 128000), ("gpt-5-chat-latest", 16384), ("gpt-5-pro", 272000),
    ("o3-mini", 100000), ("o1-mini", 65536),
    ("claude-3-5-haiku-20241022", 8192), ("claude-3-haiku-20240307", 4096), ("claude-3-7-sonnet-latest", 64000),
    ("claude-sonnet-4-20250514", 64000), ("claude-sonnet-4-5-20250929", 64000), ("claude-opus-4-1-20250805", 32000),
    ("claude-opus-4-20250514", 32000), ("claude-haiku-4-5", 64000),
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", 8192), ("us.anthropic.claude-opus-4-1-20250805-v1:0", 32000),
    ("claude-3-5-sonnet-v2@20241022", 8192), ("anthropic/claude-3.5-haiku", None),
    ("gemini-2.0-flash", 8192), ("gemini-2.0-flash-lite", 8192), ("gemini-1.5-pro-002", 8192),
    ("gemini-2.5-flash", 65536), ("deepseek-chat", 8192),
    # unknown or another version of a known family: left alone
    ("claude-opus-4-7", None), ("gpt-5.3", None), ("llama-3.3-70b", None), ("", None),
])
def test_output_token_maximum(model, limit):
    assert max_output_tokens(model) == limit


@pytest.mark.parametrize("fmt, body, expected", [
    ("chat", {"max_tokens": 32000}, {"max_tokens": 16384}),
    ("chat", {"max_completion_tokens": 20000}, {"max_completion_tokens": 16384}),
    ("completions", {"max_tokens": 99999}, {"max_tokens": 16384}),
    ("responses", {"max_output_tokens": 32000}, {"max_output_tokens": 16384}),
    ("claude", {"max_tokens": 32000}, {"max_tokens": 16384}),
    ("gemini", {"generationConfig": {"maxOutputTokens": 32000, "temperature": 0}},
     {"generationConfig": {"maxOutputTokens": 16384, "temperature": 0}}),
])
def test_output_limits_are_clamped_in_every_format(fmt, body, expected):
    assert clamp_output_tokens(body, fmt, "gpt-4o-mini")
    assert body == expected


def test_clamping_never_raises_a_limit_nor_touches_unknown_models():
    for body in ({"max_tokens": 1000}, {"max_tokens": 16384}, {"temperature": 1}):
        before = dict(body)
        assert not clamp_output_tokens(body, "chat", "gpt-4o-mini") and body == before
    body = {"max_tokens": 10**6}
    assert not clamp_output_tokens(body, "chat", "some-local-model") and body == {"max_tokens": 10**6}


def test_claude_thinking_budget_stays_below_a_clamped_max_tokens():
    body = {"max_tokens": 40000, "thinking": {"type": "enabled", "budget_tokens": 35000}}
    assert clamp_output_tokens(body, "claude", "claude-opus-4-1-20250805")
    assert body["max_tokens"] == 32000
    assert 1024 <= body["thinking"]["budget_tokens"] < 32000
    body = {"max_tokens": 40000, "thinking": {"type": "enabled", "budget_tokens": 4000}}
    assert clamp_output_tokens(body, "claude", "claude-opus-4-1") and body["thinking"]["budget_tokens"] == 4000


@pytest.mark.parametrize("model, one_only", [
    ("claude-sonnet-4-5-20250929", True), ("claude-haiku-4-5", True), ("claude-opus-4-5", True),
    ("claude-opus-4-6", True), ("claude-sonnet-5", True), ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", True),
    ("anthropic/claude-sonnet-4.5", True),
    ("claude-sonnet-4-20250514", False), ("claude-opus-4-1-20250805", False), ("claude-3-7-sonnet-latest", False),
    ("claude-3-5-haiku-20241022", False), ("gpt-4o", False),
])
def test_claude_generations_that_take_one_sampling_parameter(model, one_only):
    assert takes_one_sampling_parameter(model) is one_only


def test_top_p_goes_when_temperature_is_also_set():
    body = {"temperature": 0.7, "top_p": 0.9, "top_k": 40}
    assert drop_top_p_beside_temperature(body, "claude-sonnet-4-5") and body == {"temperature": 0.7, "top_k": 40}
    for body in ({"top_p": 0.9}, {"temperature": 0.7}, {"temperature": None, "top_p": 0.9}):
        before = dict(body)
        assert not drop_top_p_beside_temperature(body, "claude-sonnet-4-5") and body == before
    body = {"temperature": 0.7, "top_p": 0.9}
    assert not drop_top_p_beside_temperature(body, "claude-3-5-haiku-20241022") and "top_p" in body


def test_the_limit_a_reservation_counts():
    from oneapi.relay.providers.output_limits import within_limit
    assert within_limit(32000, "gpt-4o-mini") == 16384
    assert within_limit(100, "gpt-4o-mini") == 100
    assert within_limit(None, "gpt-4o-mini") is None
    assert within_limit(32000, "local-model") == 32000
