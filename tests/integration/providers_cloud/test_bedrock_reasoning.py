"""Bedrock reasoning through a real gateway and the emulator: each client format's reasoning request reaches the
Converse model family in its own field (the emulator refuses the others), reasoning comes back as each client's
reasoning/thinking, signed (and redacted) reasoning goes back on the next turn and is verified; a Claude client's
``anthropic-beta`` header reaches InvokeModel as ``anthropic_beta``."""
from __future__ import annotations

import json

import pytest

from tests.emulator import bedrock as emu_bedrock
from tests.emulator.protocols.anthropic import thinking_signature
from tests.integration.providers_cloud.conftest import sse_events

GPT_OSS = "gpt-oss-120b"
SONNET_ALIAS = "sonnet-profile"  # an alias the ARN map sends to a Claude inference profile, so over Converse
SONNET_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"


@pytest.fixture(scope="module")
def channels(world):
    return {"gpt-oss": world.bedrock_channel(GPT_OSS), "deepseek": world.bedrock_channel("deepseek-r1"),
            "nova": world.bedrock_channel("nova-pro"),
            "sonnet": world.bedrock_channel(SONNET_ALIAS, inference_profile_arn_map=json.dumps(
                {SONNET_ALIAS: SONNET_ARN})),
            "claude": world.bedrock_channel("claude-3-haiku-20240307")}


def _fields(emu) -> dict:
    return emu.last_request()["json"].get("additionalModelRequestFields") or {}


def test_chat_reasoning_effort_on_gpt_oss_json_and_stream(world, emu, channels):
    body = {"model": GPT_OSS, "reasoning_effort": "high", "messages": [{"role": "user", "content": "think hard"}]}
    resp = world.post(channels["gpt-oss"], "/v1/chat/completions", body)
    assert resp.status_code == 200, resp.text
    message = resp.json()["choices"][0]["message"]
    assert message["reasoning_content"] == "Thinking about: think hard" and message["content"] == "echo: think hard"
    assert _fields(emu) == {"reasoning_effort": "high"}
    assert resp.json()["usage"]["completion_tokens"] == emu.last_request()["reply"]["output_tokens"]

    resp = world.post(channels["gpt-oss"], "/v1/chat/completions", {**body, "stream": True}, stream=True)
    deltas = [c["choices"][0]["delta"] for c in (json.loads(d) for _, d in sse_events(resp) if d != "[DONE]")
              if c.get("choices")]
    assert "".join(d.get("reasoning_content") or "" for d in deltas) == "Thinking about: think hard"
    assert "".join(d.get("content") or "" for d in deltas) == "echo: think hard"
    assert emu.last_request()["path"].endswith("/converse-stream") and _fields(emu) == {"reasoning_effort": "high"}


def test_responses_reasoning_effort_gives_a_reasoning_item(world, emu, channels):
    resp = world.post(channels["gpt-oss"], "/v1/responses", {"model": GPT_OSS, "input": "plan it",
                                                             "reasoning": {"effort": "minimal"}})
    assert resp.status_code == 200, resp.text
    output = resp.json()["output"]
    reasoning = next(item for item in output if item["type"] == "reasoning")
    assert "Thinking about: plan it" in json.dumps(reasoning)
    assert _fields(emu) == {"reasoning_effort": "low"}  # gpt-oss knows low, medium and high


def test_models_without_a_switch_get_no_reasoning_field(world, emu, channels):
    resp = world.post(channels["deepseek"], "/v1/chat/completions", {
        "model": "deepseek-r1", "reasoning_effort": "high", "messages": [{"role": "user", "content": "why"}]})
    assert resp.status_code == 200, resp.text  # the emulator, like Bedrock, refuses a reasoning field here
    assert resp.json()["choices"][0]["message"]["reasoning_content"] == "Thinking about: why"
    assert _fields(emu) == {}
    resp = world.post(channels["nova"], "/v1/chat/completions", {
        "model": "nova-pro", "reasoning_effort": "high", "messages": [{"role": "user", "content": "why"}]})
    assert resp.status_code == 200, resp.text
    assert "reasoning_content" not in resp.json()["choices"][0]["message"] and _fields(emu) == {}


def test_claude_thinking_on_converse_round_trips_its_signature(world, emu, channels):
    ask = {"role": "user", "content": "weigh the options"}
    resp = world.post(channels["sonnet"], "/v1/messages", {
        "model": SONNET_ALIAS, "max_tokens": 1000, "thinking": {"type": "enabled", "budget_tokens": 2000},
        "messages": [ask]})
    assert resp.status_code == 200, resp.text
    record = emu.last_request()
    assert record["path"] == f"/model/{SONNET_ARN}/converse"
    assert record["json"]["additionalModelRequestFields"] == {"thinking": {"type": "enabled", "budget_tokens": 2000}}
    assert record["json"]["inferenceConfig"]["maxTokens"] == 3000
    thinking, text = resp.json()["content"]
    assert thinking == {"type": "thinking", "thinking": "Thinking about: weigh the options",
                        "signature": thinking_signature("Thinking about: weigh the options")}
    assert text["text"] == "echo: weigh the options"

    follow = {"model": SONNET_ALIAS, "max_tokens": 1000, "thinking": {"type": "enabled", "budget_tokens": 2000},
              "messages": [ask, {"role": "assistant", "content": [thinking, text]},
                           {"role": "user", "content": "and now"}]}
    resp = world.post(channels["sonnet"], "/v1/messages", follow)
    assert resp.status_code == 200, resp.text
    sent = emu.last_request()["json"]["messages"][1]["content"][0]
    assert sent == {"reasoningContent": {"reasoningText": {"text": thinking["thinking"],
                                                           "signature": thinking["signature"]}}}
    tampered = {**thinking, "thinking": "something else"}
    follow["messages"][1] = {"role": "assistant", "content": [tampered, text]}
    resp = world.post(channels["sonnet"], "/v1/messages", follow)
    assert resp.status_code == 400 and "signature" in resp.text  # the emulator checks what came back


def test_claude_thinking_streamed_from_converse(world, emu, channels):
    resp = world.post(channels["sonnet"], "/v1/messages", {
        "model": SONNET_ALIAS, "max_tokens": 3000, "stream": True,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "messages": [{"role": "user", "content": "stream your thoughts"}]}, stream=True)
    events = [(name, json.loads(data)) for name, data in sse_events(resp)]
    deltas = [data["delta"] for name, data in events if name == "content_block_delta"]
    assert "".join(d.get("thinking", "") for d in deltas) == "Thinking about: stream your thoughts"
    assert [d["signature"] for d in deltas if d["type"] == "signature_delta"] == [
        thinking_signature("Thinking about: stream your thoughts")]
    assert "".join(d.get("text", "") for d in deltas) == "echo: stream your thoughts"
    assert emu.last_request()["path"].endswith("/converse-stream")


def test_redacted_reasoning_reaches_a_chat_client_and_goes_back(world, emu):
    channel = world.bedrock_channel(SONNET_ALIAS, base_url=world.emu.scenario_url("redacted"),
                                    inference_profile_arn_map=json.dumps({SONNET_ALIAS: SONNET_ARN}))
    ask = {"role": "user", "content": "secret plans"}
    body = {"model": SONNET_ALIAS, "reasoning_effort": "low", "messages": [ask]}
    resp = world.post(channel, "/v1/chat/completions", body)
    assert resp.status_code == 200, resp.text
    message = resp.json()["choices"][0]["message"]
    assert len(message["redacted_thinking"]) == 1 and message["content"] == "echo: secret plans"
    resp = world.post(channel, "/v1/chat/completions", {**body, "messages": [
        ask, {"role": "assistant", "content": message["content"], "redacted_thinking": message["redacted_thinking"]},
        {"role": "user", "content": "more"}]})
    assert resp.status_code == 200, resp.text
    assert emu.last_request()["json"]["messages"][1]["content"][0] == {
        "reasoningContent": {"redactedContent": emu_bedrock.REDACTED}}


def test_anthropic_beta_header_becomes_the_invoke_body_list(world, emu, channels):
    body = {"model": "claude-3-haiku-20240307", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
    resp = world.post(channels["claude"], "/v1/messages", body, headers={
        "anthropic-beta": "claude-code-20250219,token-efficient-tools-2025-02-19, context-1m-2025-08-07"})
    assert resp.status_code == 200, resp.text
    sent = emu.last_request()["json"]
    assert sent["anthropic_beta"] == ["token-efficient-tools-2025-02-19", "context-1m-2025-08-07"]
    resp = world.post(channels["claude"], "/v1/messages", body)
    assert resp.status_code == 200 and "anthropic_beta" not in emu.last_request()["json"]
