"""Claude Code (`claude -p`) through the gateway to models on OpenAI and Gemini channels, with a tool turn: the
provider asks for the Write tool, Claude Code writes the file, sends the tool result, and the next turn answers.

The emulator fills tool arguments from the start of the last user turn, which Claude Code opens with its own
<system-reminder> text, so the file name is whatever those words are; the test reads it from the provider's
recorded tool call and checks the file on disk.
"""
from __future__ import annotations

import json

import pytest

from tests.clients import clients
from tests.matrix import native

PROTOCOL = {"gpt-4o-mini": "chat", "gemini-2.5-flash": "gemini"}


def _run_claude(gateway, tmp_path, model: str, prompt: str):
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    env = clients.clean_env("claude", home, ANTHROPIC_BASE_URL=gateway.url, ANTHROPIC_API_KEY=gateway.key)
    argv = [clients.binary("claude"), "-p", prompt, "--model", model, "--tools", "Write", "--allowedTools", "Write",
            "--exclude-dynamic-system-prompt-sections", "--no-session-persistence", "--output-format", "json"]
    done = clients.run(argv, env, work)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    clients.assert_stays_local(done)
    return json.loads(done.stdout.strip().splitlines()[-1]), work


@pytest.mark.parametrize("model", sorted(PROTOCOL))
def test_claude_code_runs_a_tool_through_another_provider(gateway, emulator, tmp_path, model):
    result, work = _run_claude(gateway, tmp_path, model, "Please write the probe file.")
    assert result["is_error"] is False and result["subtype"] == "success", result
    calls = [r for r in emulator.requests() if native.protocol_of(r) == PROTOCOL[model]]
    asked = [r for r in calls if (r["reply"] or {}).get("tool_calls")]
    assert len(asked) == 1, [r["reply"] for r in calls]
    call = asked[0]["reply"]["tool_calls"][0]
    assert call["name"] == "Write"
    # Claude Code really ran the tool: the file the provider asked for exists with the content it asked for
    written = work / call["arguments"]["file_path"]
    assert written.read_text() == call["arguments"]["content"]
    # ...and sent the result back, which reached the provider as its own kind of tool result for that call
    follow_up = calls[calls.index(asked[0]) + 1]
    seen = native.summarize(follow_up)
    assert seen.history_call[1] == "Write"
    assert seen.history_result[0] in (call["id"], "Write") and "File created successfully" in seen.history_result[1]
    assert result["result"] == follow_up["reply"]["text"]
    assert result["num_turns"] == 2
    assert result["usage"]["output_tokens"] > 0
