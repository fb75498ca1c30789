"""Replicate image models and ``response_format: "b64_json"``: the gateway fetches each output file under the
address rules of ``relay/user_content`` and inlines it. In-process (where the test may widen the rules to reach
the emulator on loopback), and through gunicorn, where loopback stays refused: an error, refunded."""
from __future__ import annotations

import base64

import pytest

from oneapi.relay import user_content
from tests.emulator.media import png
from tests.integration.relay.conftest import ROOT_KEY, sqlite_fixture_gateway, stub  # noqa: F401 - a fixture
from tests.support.gateway_world import ROOT_ACCESS_TOKEN
from tests.unit.relay.test_user_content import LOCAL

MODEL = "black-forest-labs/flux-schnell"


@pytest.fixture
def gw(tmp_path, stub, world):
    gateway = sqlite_fixture_gateway(tmp_path, stub)
    made = gateway.client.post("/api/channel/", headers={"Authorization": ROOT_ACCESS_TOKEN}, json={
        "type": 46, "key": "r8_test", "name": "replicate-b64", "base_url": world.emu.url, "models": MODEL,
        "group": "default"})
    assert made.get_json()["success"], made.get_json()
    from oneapi.models import Channel
    with gateway.db():
        gateway.channel_id = Channel.get(Channel.name == "replicate-b64").id
    return gateway


def _generate(gw, **extra):
    return gw.post("/v1/images/generations", {"model": MODEL, "prompt": "a red fox", "n": 2, **extra},
                   key=f"{ROOT_KEY}-{gw.channel_id}")


def test_b64_json_inlines_every_output_file(gw, world, monkeypatch):
    monkeypatch.setattr(user_content, "ALLOWED_NETWORKS", LOCAL)  # test-only widening, in-process
    world.emu.clear()
    resp = _generate(gw, response_format="b64_json")
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()["data"]
    assert [base64.b64decode(item["b64_json"]) for item in data] == [png(), png()]
    assert all("url" not in item for item in data)
    assert world.emu.requests()[0]["json"] == {"input": {"prompt": "a red fox", "num_outputs": 2}}


def test_url_is_the_default(gw, world, monkeypatch):
    monkeypatch.setattr(user_content, "ALLOWED_NETWORKS", LOCAL)
    resp = _generate(gw, response_format="url")
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()["data"]
    assert len(data) == 2 and all(list(item) == ["url"] and item["url"].startswith(world.emu.url + "/_emu/images/")
                                  for item in data)


def test_an_output_url_the_rules_refuse_is_an_error_and_refunded(world):
    """Through gunicorn nothing widens the rules: the emulator's loopback URL must not be fetched."""
    cid = world.create_channel(46, MODEL, key="r8_test", base_url=world.emu.url)
    before = world.admin("GET", "/api/user/self")["data"]["used_quota"]
    resp = world.post(cid, "/v1/images/generations", {"model": MODEL, "prompt": "x", "response_format": "b64_json"})
    assert resp.status_code == 502, resp.text
    message = resp.json()["error"]["message"]
    assert message.startswith("fetching Replicate's output failed:") and "loopback" in message
    assert world.admin("GET", "/api/user/self")["data"]["used_quota"] == before
