"""Every channel type id of the original and the fork (0-57) can be created through the admin API, and a chat
request pinned to it either reaches the emulator at that provider's path or gets the documented 400."""
from __future__ import annotations

import json

import pytest

from oneapi.relay.providers import legacy
from oneapi.services import channel_types

CHAT = "/v1/chat/completions"
# type -> (base URL path after the emulator's address, model, upstream path expected)
ROUTED = {
    **{t: ("", "gpt-4o-mini", CHAT) for t in (0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 12, 13, 19, 20, 25, 26, 28, 30, 31,
                                              32, 36, 39, 43, 44, 45, 48)},
    3: ("", "gpt-4o-mini", "/openai/deployments/gpt-4o-mini/chat/completions"),
    14: ("", "claude-3-5-haiku-20241022", "/v1/messages"),
    16: ("", "glm-4", "/api/paas/v4/chat/completions"),
    17: ("", "qwen-plus", "/compatible-mode/v1/chat/completions"),
    22: ("/api/openapi", "gpt-4o-mini", "/api/openapi/v1/chat/completions"),
    24: ("", "gemini-2.0-flash", "/v1beta/models/gemini-2.0-flash:generateContent"),
    27: ("", "abab6.5s-chat", "/v1/text/chatcompletion_v2"),
    29: ("/openai", "llama-3.1-8b-instant", "/openai/v1/chat/completions"),
    34: ("", "bot-42", "/v3/chat"),
    35: ("", "command-r", "/v2/chat"),
    37: ("", "@cf/meta/llama-3.1-8b-instruct", "/client/v4/accounts/acc1/ai/v1/chat/completions"),
    40: ("", "Doubao-pro-32k", "/api/v3/chat/completions"),
    41: ("/v3/openai", "meta-llama/llama-3.1-8b-instruct", "/v3/openai/chat/completions"),
    46: ("/v1/models/", "meta/meta-llama-3-8b-instruct", "/v1/models/meta/meta-llama-3-8b-instruct/predictions"),
    47: ("", "ernie-4.0-8k-latest", "/v2/chat/completions"),
    49: ("", "qwen-max", "/compatible-mode/v1/chat/completions"),
    50: ("/v1", "my-local-model", CHAT),
    51: ("/v1beta/openai", "gemini-2.0-flash", "/v1beta/openai/chat/completions"),
    52: ("", "claude-3-5-haiku-20241022", "/v1/messages"),
    53: ("", "gpt-4o", "/chat/completions"),
    54: ("/inference", "accounts/fireworks/models/llama-v3p1-70b-instruct", "/inference/v1/chat/completions"),
    55: ("/v1", "meta/llama-3.1-70b-instruct", CHAT),
    56: ("/v1", "llama3.1-8b", CHAT),
    57: ("", "meta-llama/Meta-Llama-3.1-70B-Instruct", "/v1/openai/chat/completions"),
}
CLOUD = {33, 42}  # AWS Bedrock and Vertex AI: signed requests, tested by their own suites


def test_the_table_covers_every_type():
    assert set(channel_types.TYPES) == set(range(58))
    assert set(ROUTED) | set(legacy.TYPES) | CLOUD == set(range(58))
    for type_id in legacy.TYPES:
        assert "not supported by this gateway" in channel_types.TYPES[type_id].unsupported


@pytest.mark.parametrize("type_id", sorted(ROUTED))
def test_type_routes_to_its_provider_path(world, type_id):
    path, model, expected = ROUTED[type_id]
    config = {37: json.dumps({"user_id": "acc1"}), 53: json.dumps({"github_api_base": world.emu.url})}.get(type_id, "")
    cid = world.create_channel(type_id, model, base_url=world.emu.url + path, config=config)
    world.emu.clear()
    resp = world.post(cid, CHAT, {"model": model, "messages": [{"role": "user", "content": "hello table"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"].endswith("hello table")
    assert expected in [r["api_path"] for r in world.emu.requests()]  # (after a token exchange, or before polls)


@pytest.mark.parametrize("type_id", sorted(legacy.TYPES))
def test_legacy_type_is_refused_with_the_modern_type(world, type_id):
    cid = world.create_channel(type_id, "legacy-model", key="a|b|c")
    listed = world.admin("GET", f"/api/channel/{cid}")["data"]
    assert listed["type"] == type_id
    resp = world.post(cid, CHAT, {"model": "legacy-model", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "unsupported_channel_type"
    assert error["message"].startswith(legacy.message(type_id)) and "use type " in error["message"]


@pytest.mark.parametrize("type_id", sorted(CLOUD))
def test_cloud_types_can_be_created(world, type_id):
    cid = world.create_channel(type_id, "some-model", key="ak|sk")
    assert world.admin("GET", f"/api/channel/{cid}")["data"]["type"] == type_id
