"""Bedrock embeddings and images through a real gateway and the emulator: a list of inputs for a Titan embedding
model fans out to one signed call per input (answered in order, usage summed); Titan Image v2, Nova Canvas and
Stability models serve /v1/images/generations, billed per image."""
from __future__ import annotations

import base64
import json
from urllib.parse import quote

import requests

from tests.emulator import bedrock as emu_bedrock
from tests.emulator.vectors import embedding_for
from tests.integration.providers_cloud.conftest import ROOT_ACCESS_TOKEN

PRICE = 0.04  # USD per image, set on the channels below


def _signed(record) -> bool:
    try:
        emu_bedrock.verify_sigv4("POST", quote(record["path"], safe="/-_.~"), "", record["headers"],
                                 record["raw"].encode())
        return True
    except emu_bedrock.AwsError:
        return False


def _used_quota(world) -> int:
    resp = requests.get(world.url + "/api/user/self", headers={"Authorization": ROOT_ACCESS_TOKEN}, timeout=15)
    return resp.json()["data"]["used_quota"]


def _image_channel(world, model: str, **kwargs) -> int:
    channel = world.bedrock_channel(model, **kwargs)
    resp = requests.put(world.url + "/api/channel/", headers={"Authorization": ROOT_ACCESS_TOKEN}, timeout=15,
                        json={"id": channel, "model_configs": json.dumps(
                            {model: {"image": {"price_per_image_usd": PRICE}}})})
    assert resp.json()["success"], resp.text
    return channel


def test_titan_embeddings_fan_out_one_call_per_input(world, emu):
    channel = world.bedrock_channel("titan-embed-text-v2")
    texts = ["first words here", "second", "the third input", "four", "five five", "six"]
    resp = world.post(channel, "/v1/embeddings", {"model": "titan-embed-text-v2", "input": texts, "dimensions": 8})
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert [d["index"] for d in answer["data"]] == list(range(6))
    assert [d["embedding"] for d in answer["data"]] == [embedding_for(t, 8) for t in texts]  # in input order
    assert answer["usage"]["prompt_tokens"] == 3 + 1 + 3 + 1 + 2 + 1
    calls = emu.requests()
    assert sorted(c["json"]["inputText"] for c in calls) == sorted(texts)
    assert all(c["json"]["dimensions"] == 8 and _signed(c) for c in calls)
    assert world.log_row(resp.headers["X-Oneapi-Request-Id"])[1] == 11


def test_titan_fan_out_fails_whole_when_one_call_fails(world, emu):
    channel = world.bedrock_channel("titan-embed-text-v2")
    resp = world.post(channel, "/v1/embeddings", {"model": "titan-embed-text-v2", "input": ["fine", ""]})
    assert resp.status_code == 400 and "inputText" in resp.json()["error"]["message"]  # Titan refuses an empty text


def test_titan_image_generations_billed_per_image(world, emu):
    channel = _image_channel(world, "titan-image-generator-v2")
    before = _used_quota(world)
    resp = world.post(channel, "/v1/images/generations", {"model": "titan-image-generator-v2", "prompt": "a red fox",
                                                          "n": 2, "size": "1792x1024", "quality": "hd"})
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert len(data) == 2 and base64.b64decode(data[0]["b64_json"]).startswith(b"\x89PNG")
    record = emu.last_request()
    assert record["path"] == "/model/amazon.titan-image-generator-v2:0/invoke" and _signed(record)
    assert record["json"] == {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a red fox"},
                              "imageGenerationConfig": {"numberOfImages": 2, "width": 1152, "height": 640,
                                                        "quality": "premium"}}
    quota = world.log_row(resp.headers["X-Oneapi-Request-Id"])[0]
    assert quota == round(2 * PRICE * 500000) and _used_quota(world) - before == quota


def test_nova_canvas_url_format_gets_data_urls(world, emu):
    channel = _image_channel(world, "nova-canvas")
    resp = world.post(channel, "/v1/images/generations", {"model": "nova-canvas", "prompt": "a tall tower",
                                                          "size": "1024x1792", "response_format": "url"})
    assert resp.status_code == 200, resp.text
    url = resp.json()["data"][0]["url"]
    assert url.startswith("data:image/png;base64,") and base64.b64decode(url.split(",", 1)[1]).startswith(b"\x89PNG")
    record = emu.last_request()
    assert record["path"] == "/model/amazon.nova-canvas-v1:0/invoke"  # on demand: no inference profile prefix
    assert record["json"]["imageGenerationConfig"] == {"numberOfImages": 1, "width": 1024, "height": 1792}


def test_stability_one_image_and_filtered_prompt(world, emu):
    channel = _image_channel(world, "stable-image-core", region="us-west-2")
    resp = world.post(channel, "/v1/images/generations", {"model": "stable-image-core", "prompt": "a wide valley",
                                                          "size": "1536x1024"})
    assert resp.status_code == 200, resp.text
    assert base64.b64decode(resp.json()["data"][0]["b64_json"]).startswith(b"\x89PNG")
    assert emu.last_request()["json"] == {"prompt": "a wide valley", "aspect_ratio": "3:2", "output_format": "png"}

    before = _used_quota(world)
    resp = world.post(channel, "/v1/images/generations", {"model": "stable-image-core", "prompt": "x", "n": 2})
    assert resp.status_code == 400 and "n=1" in resp.json()["error"]["message"]
    blocked = _image_channel(world, "stable-image-core", base_url=world.emu.scenario_url("blocked"))
    resp = world.post(blocked, "/v1/images/generations", {"model": "stable-image-core", "prompt": "forbidden"})
    assert resp.status_code == 400 and "Filter reason: prompt" in resp.json()["error"]["message"]
    assert _used_quota(world) == before  # neither refused request was billed
