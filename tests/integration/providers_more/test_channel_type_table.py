"""Every channel type id of the original and the fork (0-57) can be created, listed and edited through the admin
API, and a chat request pinned to it either reaches the emulator at that provider's path or gets the documented
400; vendor quirks (fields a vendor refuses, the original's credentials for a type that changed API) apply."""
from __future__ import annotations

import pytest

from oneapi.relay.providers import legacy
from oneapi.services import channel_types
from tests.integration.providers_more.type_routes import CHAT, CLOUD, ROUTED, config_for


def test_the_table_covers_every_type():
    assert set(channel_types.TYPES) == set(range(58))
    assert set(ROUTED) | set(legacy.TYPES) | CLOUD == set(range(58))
    for type_id in legacy.TYPES:
        assert "not supported by this gateway" in channel_types.TYPES[type_id].unsupported


@pytest.mark.parametrize("type_id", sorted(ROUTED))
def test_type_routes_to_its_provider_path(world, type_id):
    path, model, expected = ROUTED[type_id]
    cid = world.create_channel(type_id, model, base_url=world.emu.url + path,
                               config=config_for(type_id, world.emu.url))
    world.emu.clear()
    resp = world.post(cid, CHAT, {"model": model, "messages": [{"role": "user", "content": "hello table"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"].endswith("hello table")
    assert expected in [r["api_path"] for r in world.emu.requests()]  # (after a token exchange, or before polls)


@pytest.mark.parametrize("type_id", [0, 16, 23, 29, 40, 47, 56])
def test_type_survives_listing_and_editing(world, type_id):
    cid = world.create_channel(type_id, "m1")
    listed = {c["id"]: c for c in world.admin("GET", "/api/channel/?p=0&size=100")["data"]}
    assert listed[cid]["type"] == type_id
    out = world.admin("PUT", "/api/channel/", {"id": cid, "type": type_id, "models": "m1,m2", "name": f"e{cid}"})
    assert out["success"], out
    row = world.admin("GET", f"/api/channel/{cid}")["data"]
    assert (row["type"], row["models"], row["name"]) == (type_id, "m1,m2", f"e{cid}")


def test_unknown_type_ids_are_refused_by_the_admin_api(world):
    out = world.admin("POST", "/api/channel/", {"type": 58, "key": "k", "name": "t58", "models": "m",
                                                "group": "default"})
    assert out["success"] is False and "渠道类型" in out["message"]


def test_models_listed_per_type_are_the_type_tables(world):
    by_type = world.admin("GET", "/api/models")["data"]
    assert set(by_type) == {str(i) for i in range(1, 58)}
    assert "hunyuan-turbos-latest" in by_type["23"] and "kimi-k2-turbo-preview" in by_type["25"]
    assert by_type["47"] == list(channel_types.TYPES[47].models)
    listed = {m["id"]: m["owned_by"] for m in world.admin("GET", "/api/channel/models")["data"]}
    assert listed["glm-4.5"] == "zhipu" and listed["grok-4"] == "xai" and listed["llama3.1-8b"] == "cerebras"


@pytest.mark.parametrize("type_id,path,sent,refused", [
    (28, "", {"stream_options": {"include_usage": True}, "temperature": 0.3}, ["stream_options"]),
    (29, "/openai", {"logprobs": True, "top_logprobs": 2}, ["logprobs", "top_logprobs"]),
    (56, "/v1", {"frequency_penalty": 0, "presence_penalty": 0.1, "seed": 7},
     ["frequency_penalty", "presence_penalty"]),
])
def test_fields_the_vendor_refuses_are_not_sent(world, type_id, path, sent, refused):
    cid = world.create_channel(type_id, "vendor-model", base_url=world.emu.url + path)
    world.emu.clear()
    resp = world.post(cid, CHAT, {"model": "vendor-model", "stream": True,
                                  "messages": [{"role": "user", "content": "hi"}], **sent}, stream=True)
    assert resp.status_code == 200, resp.text
    body = world.emu.requests()[-1]["json"]
    assert not set(refused) & set(body) and body["stream"] is True
    assert set(sent) - set(refused) <= set(body)


def test_a_claude_client_on_mistral_sends_no_stream_options(world):
    cid = world.create_channel(28, "mistral-small-latest", base_url=world.emu.url)
    world.emu.clear()
    resp = world.post(cid, "/v1/messages", {"model": "mistral-small-latest", "max_tokens": 20, "stream": True,
                                            "messages": [{"role": "user", "content": "hi"}]}, stream=True)
    assert resp.status_code == 200, resp.text
    sent = world.emu.requests()[-1]
    assert sent["api_path"] == CHAT and "stream_options" not in sent["json"]


def test_tencent_with_the_original_native_credentials_is_told_to_use_an_api_key(world):
    cid = world.create_channel(23, "hunyuan-lite", key="1300000000|AKIDsecretid|secretkey", base_url=world.emu.url)
    world.emu.clear()
    resp = world.post(cid, CHAT, {"model": "hunyuan-lite", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "invalid_channel_key" and "Hunyuan console" in error["message"]
    assert world.emu.requests() == []


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
