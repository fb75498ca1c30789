"""The admin's channel test (`/api/channel/test/:id`) for the native adaptors, and balance queries per type."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("type_id,model,last_path", [
    (35, "command-r", "/v2/chat"),
    (46, "meta/meta-llama-3-8b-instruct", "/v1/models/meta/meta-llama-3-8b-instruct/predictions"),
    (34, "bot-5", "/v3/chat/message/list"),  # the test follows the bot's chat to its answer
    (16, "glm-4", "/api/paas/v4/chat/completions")])
def test_channel_test_passes_for_native_and_vendor_types(world, type_id, model, last_path):
    cid = world.create_channel(type_id, model, key="test-key", base_url=world.emu.url)
    world.emu.clear()
    out = world.admin("GET", f"/api/channel/test/{cid}")
    assert out["success"] is True and out["modelName"] == model, out
    assert world.emu.requests()[-1]["api_path"] == last_path
    assert world.admin("GET", f"/api/channel/{cid}")["data"]["test_time"] > 0


def test_channel_test_reports_a_coze_token_error(world):
    cid = world.create_channel(34, "bot-5", key="bad_pat", base_url=world.emu.url)
    out = world.admin("GET", f"/api/channel/test/{cid}")
    assert out["success"] is False and "4100" in out["message"]


def test_channel_test_reports_a_legacy_type(world):
    cid = world.create_channel(15, "ERNIE-4.0-8K", key="a|b")
    out = world.admin("GET", f"/api/channel/test/{cid}")
    assert out["success"] is False and "use type 47" in out["message"]


def test_moonshot_balance(world):
    cid = world.create_channel(25, "moonshot-v1-8k", key="ms", base_url=world.emu.scenario_url("balance=42.5"))
    out = world.admin("GET", f"/api/channel/update_balance/{cid}")
    assert out["success"] is True and out["balance"] == 42.5
    assert world.admin("GET", f"/api/channel/{cid}")["data"]["balance"] == 42.5
    sent = world.emu.last_request("/v1/users/me/balance")
    assert sent["headers"]["authorization"] == "Bearer ms"


def test_openai_balance_through_the_dashboard_endpoints(world):
    cid = world.create_channel(1, "gpt-4o", key="sk-b", base_url=world.emu.scenario_url("balance=10"))
    out = world.admin("GET", f"/api/channel/update_balance/{cid}")
    assert out["success"] is True and out["balance"] == 10
