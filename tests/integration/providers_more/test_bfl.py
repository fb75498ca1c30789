"""Black Forest Labs through a Replicate-type channel pointed at BFL's API: submit, poll, OpenAI images response,
per-image billing; failures refunded."""
from __future__ import annotations

import json

import pytest

BFL = json.dumps({"api_format": "bfl"})  # the emulator is not on a bfl.ai host


@pytest.fixture(scope="module")
def bfl(world):
    cid = world.create_channel(46, "flux-pro-1.1,flux-kontext-pro", key="bfl-key", base_url=world.emu.url,
                               config=BFL)
    world.admin("PUT", "/api/channel/", {"id": cid, "model_configs": json.dumps(
        {"flux-pro-1.1": {"image": {"price_per_image_usd": 0.04}}})})
    return cid


def test_bfl_image_is_submitted_polled_and_billed(world, bfl):
    world.emu.clear()
    resp = world.post(bfl, "/v1/images/generations", {"model": "flux-pro-1.1", "prompt": "a quiet harbour",
                                                      "size": "1000x700"})
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert len(data) == 1 and data[0]["url"].startswith(world.emu.url + "/_emu/images/")
    submitted = world.emu.requests()[0]
    assert submitted["api_path"] == "/v1/flux-pro-1.1" and submitted["headers"]["x-key"] == "bfl-key"
    assert submitted["json"] == {"prompt": "a quiet harbour", "width": 992, "height": 672}
    assert [r["reply"]["status"] for r in world.emu.requests()[1:]] == ["Pending", "Ready"]
    quota, *_ = world.log_row(resp.headers["X-Oneapi-Request-Id"])
    assert quota == 0.04 * 500000


def test_bfl_kontext_takes_an_aspect_ratio(world, bfl):
    world.emu.clear()
    resp = world.post(bfl, "/v1/images/generations", {"model": "flux-kontext-pro", "prompt": "p", "size": "1024x1536"})
    assert resp.status_code == 200, resp.text
    assert world.emu.requests()[0]["json"] == {"prompt": "p", "aspect_ratio": "2:3"}


@pytest.mark.parametrize("scenario,status", [("jobfail", 502), ("moderated", 400)])
def test_bfl_failed_or_moderated_job_is_refunded(world, scenario, status):
    cid = world.create_channel(46, "flux-dev", key="bfl-key", base_url=world.emu.scenario_url(scenario), config=BFL)
    before = world.admin("GET", "/api/user/self")["data"]["used_quota"]
    resp = world.post(cid, "/v1/images/generations", {"model": "flux-dev", "prompt": "x"})
    assert resp.status_code == status
    assert world.admin("GET", "/api/user/self")["data"]["used_quota"] == before


def test_bfl_refuses_several_images_and_chat(world, bfl):
    many = world.post(bfl, "/v1/images/generations", {"model": "flux-pro-1.1", "prompt": "x", "n": 2})
    assert many.status_code == 400 and "n=1" in many.json()["error"]["message"]
    chat = world.post(bfl, "/v1/chat/completions", {"model": "flux-pro-1.1",
                                                    "messages": [{"role": "user", "content": "x"}]})
    assert chat.status_code == 400 and "image generations only" in chat.json()["error"]["message"]
