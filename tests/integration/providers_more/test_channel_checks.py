"""The admin's channel test (`/api/channel/test/:id`) for every type that serves chat, and balance queries
(`/api/channel/update_balance/:id`) for every type with a balance API."""
from __future__ import annotations

import pytest

from tests.integration.providers_more.type_routes import ROUTED, config_for


@pytest.mark.parametrize("type_id", sorted(ROUTED))
def test_channel_test_passes_for_every_routed_type(world, type_id):
    path, model, expected = ROUTED[type_id]
    cid = world.create_channel(type_id, model, key="test-key", base_url=world.emu.url + path,
                               config=config_for(type_id, world.emu.url))
    world.emu.clear()
    out = world.admin("GET", f"/api/channel/test/{cid}")
    assert out["success"] is True and out["modelName"] == model, out
    assert expected in [r["api_path"] for r in world.emu.requests()]
    assert world.admin("GET", f"/api/channel/{cid}")["data"]["test_time"] > 0


@pytest.mark.parametrize("type_id,model,last_path", [
    (34, "bot-5", "/v3/chat/message/list"),  # the test follows the bot's chat to its answer
    (46, "meta/meta-llama-3-8b-instruct", "/v1/models/meta/meta-llama-3-8b-instruct/predictions")])
def test_channel_test_follows_jobs_to_their_answer(world, type_id, model, last_path):
    cid = world.create_channel(type_id, model, key="test-key", base_url=world.emu.url)
    world.emu.clear()
    assert world.admin("GET", f"/api/channel/test/{cid}")["success"] is True
    assert world.emu.requests()[-1]["api_path"] == last_path


def test_channel_test_uses_the_requested_model(world):
    cid = world.create_channel(28, "mistral-small-latest,mistral-large-latest", base_url=world.emu.url)
    out = world.admin("GET", f"/api/channel/test/{cid}?model=mistral-large-latest")
    assert out["success"] is True and out["modelName"] == "mistral-large-latest"
    assert world.emu.requests()[-1]["json"]["model"] == "mistral-large-latest"


def test_channel_test_reports_a_coze_token_error(world):
    cid = world.create_channel(34, "bot-5", key="bad_pat", base_url=world.emu.url)
    out = world.admin("GET", f"/api/channel/test/{cid}")
    assert out["success"] is False and "4100" in out["message"]


def test_channel_test_reports_a_legacy_type(world):
    cid = world.create_channel(15, "ERNIE-4.0-8K", key="a|b")
    out = world.admin("GET", f"/api/channel/test/{cid}")
    assert out["success"] is False and "use type 47" in out["message"]


def test_channel_test_reports_tencents_old_credentials(world):
    cid = world.create_channel(23, "hunyuan-lite", key="1|AKID|sk", base_url=world.emu.url)
    out = world.admin("GET", f"/api/channel/test/{cid}")
    assert out["success"] is False and "Hunyuan console" in out["message"]


# type -> (base URL path after the emulator's address, the balance path asked)
BALANCES = {
    1: ("", "/v1/dashboard/billing/usage"),
    8: ("/v1", "/v1/dashboard/billing/usage"),
    50: ("/v1", "/v1/dashboard/billing/usage"),
    4: ("", "/dashboard/billing/credit_grants"),
    12: ("", "/dashboard/billing/credit_grants"),
    13: ("", "/dashboard/billing/credit_grants"),
    20: ("/api", "/api/v1/credits"),
    25: ("/v1", "/v1/users/me/balance"),
    36: ("", "/user/balance"),
    44: ("/v1", "/v1/user/info"),
}


@pytest.mark.parametrize("type_id", sorted(BALANCES))
def test_balance_of_each_type_with_a_balance_api(world, type_id):
    path, asked = BALANCES[type_id]
    cid = world.create_channel(type_id, "m", key="sk-bal", base_url=world.emu.scenario_url("balance=42.5") + path)
    world.emu.clear()
    out = world.admin("GET", f"/api/channel/update_balance/{cid}")
    assert out["success"] is True and out["balance"] == 42.5, out
    assert world.admin("GET", f"/api/channel/{cid}")["data"]["balance"] == 42.5
    sent = world.emu.requests()[-1]
    assert sent["api_path"] == asked and sent["headers"]["authorization"] == "Bearer sk-bal"


@pytest.mark.parametrize("type_id", [3, 14, 24, 28, 47])
def test_balance_of_a_type_without_a_balance_api_is_not_implemented(world, type_id):
    cid = world.create_channel(type_id, "m", base_url=world.emu.url)
    world.emu.clear()
    out = world.admin("GET", f"/api/channel/update_balance/{cid}")
    assert out["success"] is False and out["message"] == "尚未实现"
    assert world.emu.requests() == []


def test_balance_reports_an_upstream_error(world):
    cid = world.create_channel(36, "deepseek-chat", base_url=world.emu.scenario_url("auth401"))
    out = world.admin("GET", f"/api/channel/update_balance/{cid}")
    assert out["success"] is False and "401" in out["message"]
