"""Codex CLI (`codex exec`) through the gateway with `wire_api = "responses"`, to models on Anthropic and Gemini
channels, with a tool turn: the provider asks for Codex's view_image tool, Codex reads the picture from disk and
returns it as the tool output, and the picture reaches the provider inside its native tool result."""
from __future__ import annotations

import base64
import json

import pytest

from oneapi.tools import matrix_bodies
from tests.clients import clients
from tests.matrix import native

PROTOCOL = {"claude-haiku-4-5": "anthropic", "gemini-2.5-flash": "gemini"}

CONFIG = """model = "{model}"
model_provider = "oneapi"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false
# the environment block would come first in the user turn, where the emulator takes tool arguments from
include_environment_context = false

[analytics]
enabled = false

[features]  # no plugin marketplace sync, apps or update checks (they reach github.com)
plugins = false
remote_plugin = false
apps = false
in_app_updates = false

[model_providers.oneapi]
name = "One API"
base_url = "{base}/v1"
env_key = "ONEAPI_API_KEY"
wire_api = "responses"
"""


@pytest.mark.parametrize("model", sorted(PROTOCOL))
def test_codex_exec_runs_a_tool_through_another_provider(gateway, emulator, tmp_path, model):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    (home / "config.toml").write_text(CONFIG.format(model=model, base=gateway.url))
    picture = work / "view_image.jpeg"  # the name mentions the tool, so the emulator calls it with this path
    picture.write_bytes(matrix_bodies._VISION_FILE.read_bytes())
    env = clients.clean_env("codex", home, CODEX_HOME=str(home), ONEAPI_API_KEY=gateway.key)
    done = clients.run([clients.binary("codex"), "exec", "--skip-git-repo-check", "--json", str(picture)], env, work)
    assert done.returncode == 0, done.stderr[-2000:]
    clients.assert_stays_local(done)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert events[-1]["type"] == "turn.completed" and events[-1]["usage"]["output_tokens"] > 0

    calls = [r for r in emulator.requests() if native.protocol_of(r) == PROTOCOL[model]]
    assert len(calls) == 2, [r["reply"] for r in calls]
    call = calls[0]["reply"]["tool_calls"][0]
    assert call == {**call, "name": "view_image", "arguments": {"path": str(picture)}}
    # the picture Codex loaded travelled back inside the provider's tool result for that call
    seen = native.summarize(calls[1])
    assert seen.history_call[1] == "view_image"
    assert _image_in_tool_result(calls[1]["json"], base64.b64encode(picture.read_bytes()).decode())
    messages = [e["item"]["text"] for e in events if e.get("item", {}).get("type") == "agent_message"]
    assert messages == [calls[1]["reply"]["text"]]


def _image_in_tool_result(body: dict, data: str) -> bool:
    """The picture sits in the provider's own tool-result shape: inside Anthropic's tool_result block, or next to
    Gemini's functionResponse in the same turn (or in its parts)."""
    for message in body.get("messages") or []:
        for block in message.get("content") if isinstance(message.get("content"), list) else []:
            if block.get("type") == "tool_result":
                if any(part.get("type") == "image" and part["source"].get("data") == data
                       for part in block.get("content") or [] if isinstance(part, dict)):
                    return True
    for content in body.get("contents") or []:
        parts = content.get("parts") or []
        answers = [p["functionResponse"] for p in parts if "functionResponse" in p]
        inline = [p["inlineData"] for p in parts if "inlineData" in p]
        inline += [p["inlineData"] for a in answers for p in a.get("parts") or [] if "inlineData" in p]
        if answers and any(i.get("data") == data for i in inline):
            return True
    return False
