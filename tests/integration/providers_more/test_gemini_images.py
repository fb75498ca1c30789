"""Gemini image models: `/v1/images/generations` on a Gemini channel (billed per image) and generated images in a
Chat answer."""
from __future__ import annotations

import base64
import json


def _gemini(world):
    configs = json.dumps({"gemini-2.5-flash-image": {"image": {"price_per_image_usd": 0.039}}})
    cid = world.create_channel(24, "gemini-2.5-flash-image", key="gk", base_url=world.emu.url)
    world.admin("PUT", "/api/channel/", {"id": cid, "model_configs": configs})
    return cid


def test_images_endpoint_on_a_gemini_channel(world):
    cid = _gemini(world)
    world.emu.clear()
    resp = world.post(cid, "/v1/images/generations", {"model": "gemini-2.5-flash-image", "prompt": "a blue whale",
                                                      "n": 2, "size": "1792x1024"})
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert len(data) == 2
    assert base64.b64decode(data[0]["b64_json"]).startswith(b"\x89PNG")
    assert data[0]["revised_prompt"] == "Here is a blue whale"
    sent = world.emu.last_request("/v1beta/models/gemini-2.5-flash-image:generateContent")
    assert sent["headers"]["x-goog-api-key"] == "gk"
    assert sent["json"]["generationConfig"] == {"responseModalities": ["TEXT", "IMAGE"], "candidateCount": 2,
                                                "imageConfig": {"aspectRatio": "16:9"}}
    quota, *_ = world.log_row(resp.headers["X-Oneapi-Request-Id"])
    assert quota == round(2 * 0.039 * 500000)


def test_gemini_answer_without_an_image_is_an_error_and_not_billed(world):
    cid = world.create_channel(24, "gemini-2.5-flash-image", key="gk", base_url=world.emu.scenario_url("blocked"))
    before = world.admin("GET", "/api/user/self")["data"]["used_quota"]
    resp = world.post(cid, "/v1/images/generations", {"model": "gemini-2.5-flash-image", "prompt": "x"})
    assert resp.status_code == 502 and "no image" in resp.json()["error"]["message"]
    assert world.admin("GET", "/api/user/self")["data"]["used_quota"] == before


def test_chat_answer_carries_the_generated_image(world):
    cid = _gemini(world)
    resp = world.post(cid, "/v1/chat/completions", {"model": "gemini-2.5-flash-image",
                                                    "messages": [{"role": "user", "content": "draw a cat"}]})
    assert resp.status_code == 200, resp.text
    message = resp.json()["choices"][0]["message"]
    assert message["content"] == "Here is draw a cat"
    assert len(message["images"]) == 1 and message["images"][0]["type"] == "image_url"
    url = message["images"][0]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,") and base64.b64decode(url.split(",", 1)[1]).startswith(b"\x89PNG")


def test_streamed_chat_answer_carries_the_generated_image(world):
    from tests.integration.providers_more.conftest import sse_data
    cid = _gemini(world)
    with world.post(cid, "/v1/chat/completions", {"model": "gemini-2.5-flash-image", "stream": True,
                                                  "stream_options": {"include_usage": True},
                                                  "messages": [{"role": "user", "content": "draw a dog"}]},
                    stream=True) as resp:
        assert resp.status_code == 200
        data = sse_data(resp)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert "".join(d.get("content") or "" for d in deltas) == "Here is draw a dog"
    images = [img for d in deltas for img in d.get("images") or []]
    assert len(images) == 1 and images[0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert chunks[-1]["usage"]["completion_tokens"] > 1000  # the image's tokens are billed as output
