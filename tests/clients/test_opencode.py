"""OpenCode (`opencode run`) through the gateway with its `@ai-sdk/openai` (Responses) and `@ai-sdk/anthropic`
(Messages) providers, each pointed at a model on the other protocol, with a tool turn: the provider asks for the
write tool, OpenCode writes the file, and the next turn answers from the tool result."""
from __future__ import annotations

import json

import pytest

from tests.clients import clients
from tests.matrix import native

# opencode model id -> (protocol the provider speaks, model name at the gateway)
CASES = {"oneapi-openai/claude-haiku-4-5": ("anthropic", "claude-haiku-4-5"),
         "oneapi-anthropic/gpt-4o-mini": ("chat", "gpt-4o-mini")}


def config(base: str) -> dict:
    return {
        "$schema": "https://opencode.ai/config.json",
        "autoupdate": False,
        "share": "disabled",
        "provider": {
            "oneapi-openai": {"npm": "@ai-sdk/openai", "name": "One API (OpenAI Responses)",
                              "options": {"baseURL": f"{base}/v1", "apiKey": "{env:ONEAPI_API_KEY}"},
                              "models": {"claude-haiku-4-5": {"name": "Claude Haiku 4.5 via One API"}}},
            "oneapi-anthropic": {"npm": "@ai-sdk/anthropic", "name": "One API (Anthropic Messages)",
                                 "options": {"baseURL": f"{base}/v1", "apiKey": "{env:ONEAPI_API_KEY}"},
                                 "models": {"gpt-4o-mini": {"name": "GPT-4o mini via One API"}}},
        },
    }


@pytest.mark.parametrize("model", sorted(CASES))
def test_opencode_runs_a_tool_through_another_provider(gateway, emulator, tmp_path, model):
    protocol, _ = CASES[model]
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    (tmp_path / "opencode.json").write_text(json.dumps(config(gateway.url)))
    target = work / "write-probe.txt"  # the prompt names the write tool, and its arguments come from the prompt
    env = clients.clean_env("opencode", home, OPENCODE_CONFIG=str(tmp_path / "opencode.json"),
                            ONEAPI_API_KEY=gateway.key, OPENCODE_PERMISSION='{"*": "allow"}')
    done = clients.run([clients.binary("opencode"), "run", "-m", model, "--format", "json", str(target)], env, work)
    assert done.returncode == 0, done.stderr[-2000:]
    clients.assert_stays_local(done)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    assert target.read_text() == str(target)  # OpenCode really ran the tool the provider asked for
    calls = [r for r in emulator.requests() if native.protocol_of(r) == protocol]
    asked = [r for r in calls if (r["reply"] or {}).get("tool_calls")]
    assert len(asked) == 1 and asked[0]["reply"]["tool_calls"][0]["name"] == "write"
    follow_up = calls[calls.index(asked[0]) + 1]
    seen = native.summarize(follow_up)
    assert seen.history_call[1] == "write" and "Wrote file successfully" in seen.history_result[1]
    texts = [e["part"]["text"] for e in events if e.get("type") == "text"]
    assert texts[-1] == follow_up["reply"]["text"]
    finishes = [e["part"]["reason"] for e in events if e.get("type") == "step_finish"]
    assert finishes == ["tool-calls", "stop"]
