"""Per-model body rules end to end, against the provider emulator (which refuses what the real APIs refuse):
reasoning parameters for models that do not reason, output limits above the model's maximum, and
temperature with top_p on Claude 4.5 — through conversion and on passthrough."""
from __future__ import annotations

import json

import pytest

from tests.emulator.fixtures import emulator_fixture
from tests.integration.relay.conftest import sqlite_fixture_gateway


emu = emulator_fixture()


@pytest.fixture
def gw(tmp_path, stub, emu):
    gateway = sqlite_fixture_gateway(tmp_path, stub)
    emu.clear()
    return gateway


def add_channel(gw, cid: int, type_: int, base: str, mapping: dict[str, str], groups=("default",)) -> None:
    """A channel serving the requested names of ``mapping`` as the upstream models they map to."""
    from oneapi.models import Ability, Channel
    from oneapi.services import cache
    with gw.db():
        Channel.insert(id=cid, type=type_, key=f"key-{cid}", status=1, name=f"fit-{cid}", weight=0, base_url=base,
                       models=",".join(mapping), group=",".join(groups), priority=0,
                       model_mapping=json.dumps(mapping), config="").execute()
        for group in groups:
            for name in mapping:
                Ability.insert(group=group, model=name, channel_id=cid, enabled=True, priority=0).execute()
    cache.invalidate_channels()


def upstream_body(emu, api_path: str) -> dict:
    recorded = emu.last_request(api_path)
    assert recorded is not None, f"nothing was sent to {api_path}"
    return recorded["json"]


def test_claude_code_with_thinking_on_a_gpt_4o_mini_channel(gw, emu):
    add_channel(gw, 301, 1, emu.url, {"fit-mini": "gpt-4o-mini"})
    body = {"model": "fit-mini", "max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 31999},
            "messages": [{"role": "user", "content": "Say hello"}]}
    resp = gw.post("/v1/messages", body)
    assert resp.status_code == 200, resp.data
    assert resp.get_json()["type"] == "message"
    sent = upstream_body(emu, "/v1/chat/completions")
    assert sent["model"] == "gpt-4o-mini"
    assert "reasoning_effort" not in sent and "reasoning" not in sent
    assert sent.get("max_tokens", sent.get("max_completion_tokens")) == 16384


def test_chat_passthrough_drops_reasoning_and_clamps_for_gpt_4o_mini(gw, emu):
    add_channel(gw, 302, 1, emu.url, {"fit-mini": "gpt-4o-mini", "fit-o3": "o3-mini"})
    body = {"model": "fit-mini", "reasoning_effort": "high", "max_tokens": 32000, "temperature": 0.3,
            "messages": [{"role": "user", "content": "hi"}]}
    resp = gw.post("/v1/chat/completions", body)
    assert resp.status_code == 200, resp.data
    sent = upstream_body(emu, "/v1/chat/completions")
    assert "reasoning_effort" not in sent
    assert sent["max_tokens"] == 16384 and sent["temperature"] == 0.3
    # a reasoning model keeps its effort
    resp = gw.post("/v1/chat/completions", {**body, "model": "fit-o3", "temperature": 1})
    assert resp.status_code == 200, resp.data
    sent = upstream_body(emu, "/v1/chat/completions")
    assert sent["model"] == "o3-mini" and sent["reasoning_effort"] == "high"
    assert sent["max_completion_tokens"] == 32000 and "max_tokens" not in sent


def test_responses_passthrough_drops_reasoning_for_gpt_4_1(gw, emu):
    add_channel(gw, 303, 1, emu.url, {"fit-41": "gpt-4.1"})
    body = {"model": "fit-41", "input": "hi", "reasoning": {"effort": "high", "summary": "auto"},
            "include": ["reasoning.encrypted_content"], "max_output_tokens": 50000, "store": False}
    resp = gw.post("/v1/responses", body)
    assert resp.status_code == 200, resp.data
    sent = upstream_body(emu, "/v1/responses")
    assert "reasoning" not in sent and "include" not in sent
    assert sent["max_output_tokens"] == 32768


def test_claude_passthrough_keeps_temperature_only_on_claude_4_5(gw, emu):
    add_channel(gw, 304, 14, emu.url, {"fit-s45": "claude-sonnet-4-5-20250929",
                                       "fit-h35": "claude-3-5-haiku-20241022"})
    body = {"model": "fit-s45", "max_tokens": 100000, "temperature": 0.7, "top_p": 0.9, "top_k": 40,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Say hello"}]}]}
    resp = gw.post("/v1/messages", body)
    assert resp.status_code == 200, resp.data
    sent = upstream_body(emu, "/v1/messages")
    assert sent["temperature"] == 0.7 and "top_p" not in sent and sent["top_k"] == 40
    assert sent["max_tokens"] == 64000
    resp = gw.post("/v1/messages", {**body, "model": "fit-h35"})
    assert resp.status_code == 200, resp.data
    sent = upstream_body(emu, "/v1/messages")
    assert (sent["temperature"], sent["top_p"], sent["max_tokens"]) == (0.7, 0.9, 8192)


def test_chat_to_gemini_clamps_max_output_tokens_on_v1beta(gw, emu):
    add_channel(gw, 305, 24, emu.url, {"fit-flash": "gemini-2.0-flash"})
    body = {"model": "fit-flash", "max_tokens": 100000, "messages": [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]}
    resp = gw.post("/v1/chat/completions", body)
    assert resp.status_code == 200, resp.data
    recorded = emu.last_request()
    assert recorded["api_path"] == "/v1beta/models/gemini-2.0-flash:generateContent"
    assert recorded["json"]["generationConfig"]["maxOutputTokens"] == 8192
    assert recorded["json"]["systemInstruction"]


def test_the_reservation_counts_the_clamped_output_limit(gw, emu, monkeypatch):
    from oneapi.billing import ledger
    held = []
    real = ledger.reserve

    def spy(ctx, prompt_tokens, max_tokens, **kw):
        held.append(max_tokens)
        return real(ctx, prompt_tokens, max_tokens, **kw)
    monkeypatch.setattr(ledger, "reserve", spy)
    add_channel(gw, 306, 1, emu.url, {"fit-mini": "gpt-4o-mini", "fit-local": "local-model"})
    for model, asked in (("fit-mini", 32000), ("fit-mini", 1000), ("fit-local", 32000)):
        body = {"model": model, "max_tokens": asked, "messages": [{"role": "user", "content": "hi"}]}
        assert gw.post("/v1/chat/completions", body).status_code == 200
    assert held == [16384, 1000, 32000]


def test_claude_4_5_behind_an_openai_style_channel_gets_temperature_only(gw, emu):
    add_channel(gw, 307, 50, emu.url + "/v1", {"fit-copilot-s45": "claude-sonnet-4.5"})
    body = {"model": "fit-copilot-s45", "temperature": 0.2, "top_p": 0.5,
            "messages": [{"role": "user", "content": "hi"}]}
    assert gw.post("/v1/chat/completions", body).status_code == 200
    sent = upstream_body(emu, "/v1/chat/completions")
    assert sent["model"] == "claude-sonnet-4.5" and sent["temperature"] == 0.2 and "top_p" not in sent
