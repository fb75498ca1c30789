"""Images through the gateway against the emulator: generations and multipart edits on OpenAI channels (dall-e-2,
dall-e-3, gpt-image-1), Gemini image models and Vertex Imagen; each billed per image, the charge in the consume
log row and in the per-request cost record; bad requests answered in OpenAI's error shape and never charged."""
from __future__ import annotations

import base64
import json

import pytest

from tests.emulator.media import png

OPENAI = 1


@pytest.fixture(scope="module")
def openai(world):
    return world.create_channel(OPENAI, "dall-e-2,dall-e-3,gpt-image-1")


def _png_b64(item: dict) -> bytes:
    return base64.b64decode(item["b64_json"])


@pytest.mark.parametrize("body, quota", [
    # the original's formula: ratio (dall-e-3 $0.04 = 20) x size/quality multiplier x 1000, per image
    ({"model": "dall-e-3", "prompt": "a lighthouse"}, 20000),
    ({"model": "dall-e-3", "prompt": "a lighthouse", "quality": "hd"}, 40000),
    ({"model": "dall-e-3", "prompt": "a lighthouse", "quality": "hd", "size": "1792x1024"}, 60000),
    ({"model": "dall-e-3", "prompt": "a lighthouse", "size": "1024x1792"}, 40000),
    ({"model": "dall-e-2", "prompt": "a lighthouse", "size": "512x512", "n": 3}, 3 * 11250),
    ({"model": "dall-e-2", "prompt": "a lighthouse", "size": "512x512", "n": 2.0}, 2 * 11250),
    ({"prompt": "a lighthouse", "size": "256x256"}, 10000),  # model defaults to dall-e-2
])
def test_dall_e_generations_are_billed_per_image_by_size_and_quality(world, emu, openai, body, quota):
    before = world.used_quota()
    resp = world.post(openai, "/v1/images/generations", body)
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert len(data) == body.get("n", 1) and data[0]["url"].startswith(world.emu.url)
    sent = emu.last_request("/v1/images/generations")
    assert sent["json"]["prompt"] == "a lighthouse" and sent["json"]["model"] == body.get("model", "dall-e-2")
    assert world.charged(resp)[0] == quota
    assert world.used_quota() - before == quota


def test_dall_e_3_b64_json_is_passed_through(world, emu, openai):
    resp = world.post(openai, "/v1/images/generations", {"model": "dall-e-3", "prompt": "a fox",
                                                         "response_format": "b64_json"})
    assert resp.status_code == 200, resp.text
    item = resp.json()["data"][0]
    assert _png_b64(item).startswith(b"\x89PNG") and item["revised_prompt"] == "a fox (image 1)"


def test_gpt_image_1_returns_b64_json_and_its_usage(world, emu, openai):
    resp = world.post(openai, "/v1/images/generations", {"model": "gpt-image-1", "prompt": "a small red kite",
                                                         "quality": "low", "size": "1024x1024"})
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert _png_b64(answer["data"][0]).startswith(b"\x89PNG")
    assert answer["usage"]["input_tokens_details"] == {"text_tokens": 4, "image_tokens": 0}
    quota, prompt, completion = world.charged(resp)
    # $0.011 for a low-quality 1024x1024 render (+ 4 prompt tokens once they are charged: see the next test)
    assert quota in (5500, 5510)
    assert (prompt, completion) == (4, 272)


def test_gpt_image_1_input_tokens_are_charged_on_top_of_the_per_image_price(world, emu, openai):
    resp = world.post(openai, "/v1/images/generations", {"model": "gpt-image-1", "prompt": "a small red kite",
                                                         "quality": "low", "size": "1024x1024"})
    assert resp.status_code == 200, resp.text
    assert world.charged(resp)[0] == 5500 + 10  # + 4 text tokens at $5 / 1M


def test_gpt_image_1_takes_no_response_format_so_the_gateway_drops_it(world, emu, openai):
    """Clients written for dall-e send response_format, which GPT Image models refuse (as the fork, dropped)."""
    resp = world.post(openai, "/v1/images/generations", {"model": "gpt-image-1", "prompt": "kite", "quality": "low",
                                                         "response_format": "b64_json"})
    assert resp.status_code == 200, resp.text
    assert "response_format" not in emu.last_request("/v1/images/generations")["json"]
    edit = world.multipart(openai, "/v1/images/edits", {"model": "gpt-image-1", "prompt": "hat", "quality": "low",
                                                        "response_format": "url"},
                           {"image": ("cat.png", png(), "image/png")})
    assert edit.status_code == 200, edit.text
    sent = emu.last_request("/v1/images/edits")
    assert "response_format" not in sent["form"] and sent["form"]["prompt"] == "hat"
    assert sent["files"]["image"]["filename"] == "cat.png"
    direct = world.emu.url + "/v1/images/generations"  # the emulator refuses it, as OpenAI does
    import requests
    refused = requests.post(direct, json={"model": "gpt-image-1", "prompt": "x", "response_format": "url"},
                            headers={"Authorization": "Bearer sk-test"}, timeout=15)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "unknown_parameter"


def test_gpt_image_1_size_and_quality_select_the_price(world, emu, openai):
    resp = world.post(openai, "/v1/images/generations", {"model": "gpt-image-1", "prompt": "kite", "n": 2,
                                                         "quality": "high", "size": "1536x1024"})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["data"]) == 2
    assert world.charged(resp)[0] in (2 * 125000, 2 * 125000 + 3)  # 2 x $0.25 (+ 1 prompt token, see above)


def test_edit_is_relayed_as_multipart_and_billed_per_image(world, emu, openai):
    image = png(4, 4)
    resp = world.multipart(openai, "/v1/images/edits", {"model": "dall-e-2", "prompt": "add a hat", "n": "2",
                                                        "size": "512x512"},
                           {"image": ("cat.png", image, "image/png"), "mask": ("mask.png", png(4, 4), "image/png")})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["data"]) == 2
    sent = emu.last_request("/v1/images/edits")
    assert sent["form"]["prompt"] == "add a hat" and sent["form"]["n"] == "2"
    assert set(sent["files"]) == {"image", "mask"}
    assert world.charged(resp)[0] == 2 * 11250


def test_gpt_image_1_edit_with_several_images(world, emu, openai):
    files = [("image[]", ("a.png", png(2, 2), "image/png")), ("image[]", ("b.png", png(3, 3), "image/png"))]
    resp = world.multipart(openai, "/v1/images/edits", {"model": "gpt-image-1", "prompt": "merge them",
                                                        "quality": "medium", "size": "1024x1024"}, files)
    assert resp.status_code == 200, resp.text
    assert _png_b64(resp.json()["data"][0]).startswith(b"\x89PNG")
    assert emu.last_request("/v1/images/edits")["reply"]["edited"] == 2
    assert world.charged(resp)[0] in (21000, 21000 + 5)  # $0.042 (+ 2 prompt tokens, see above)


def test_mapped_model_is_sent_in_the_multipart_body(world, emu):
    cid = world.create_channel(OPENAI, "my-painter", model_mapping=json.dumps({"my-painter": "dall-e-2"}))
    resp = world.multipart(cid, "/v1/images/edits", {"model": "my-painter", "prompt": "hat"},
                           {"image": ("cat.png", png(), "image/png")})
    assert resp.status_code == 200, resp.text
    sent = emu.last_request("/v1/images/edits")
    assert sent["form"]["model"] == "dall-e-2" and sent["files"]["image"]["filename"] == "cat.png"


# ---- bad requests: OpenAI-format errors, nothing sent upstream, nothing charged ----------------------------

def _refused(world, emu, resp, status: int, param: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["message"] and error["type"]
    if param is not None:
        assert error.get("param") == param, error
    assert not emu.requests(), "nothing may reach the provider"
    return error


@pytest.mark.parametrize("body, param", [
    ({"model": "dall-e-3"}, "prompt"),
    ({"model": "dall-e-3", "prompt": ""}, "prompt"),
    ({"model": "dall-e-3", "prompt": 7}, "prompt"),
    ({"model": "dall-e-3", "prompt": "x", "n": 0}, "n"),
    ({"model": "dall-e-3", "prompt": "x", "n": -2}, "n"),
    ({"model": "dall-e-3", "prompt": "x", "n": "two"}, "n"),
    ({"model": "dall-e-3", "prompt": "x", "n": 2}, "n"),       # dall-e-3 makes one image per request
    ({"model": "dall-e-2", "prompt": "x", "n": 11}, "n"),      # dall-e-2: 1 to 10
    ({"model": "dall-e-3", "prompt": "x", "size": "512x512"}, "size"),
])
def test_bad_generation_requests_are_refused_and_not_charged(world, emu, openai, body, param):
    before = world.used_quota()
    resp = world.post(openai, "/v1/images/generations", body)
    error = _refused(world, emu, resp, 400, param)
    assert error["type"] == "invalid_request_error"
    assert world.used_quota() == before


def test_generation_body_that_is_not_json_is_a_400(world, emu, openai):
    import requests
    from tests.support.gateway_world import ROOT_KEY
    resp = requests.post(world.url + "/v1/images/generations", data=b"{not json", timeout=15,
                         headers={"Authorization": f"Bearer sk-{ROOT_KEY}-{openai}",
                                  "Content-Type": "application/json"})
    _refused(world, emu, resp, 400)


@pytest.mark.parametrize("fields, files, param", [
    ({"model": "dall-e-2"}, {"image": ("cat.png", png(), "image/png")}, "prompt"),
    ({"model": "dall-e-2", "prompt": "hat"}, {}, "image"),
    ({"model": "dall-e-2", "prompt": "hat", "n": "zero"}, {"image": ("cat.png", png(), "image/png")}, "n"),
    ({"model": "dall-e-2", "prompt": "hat", "n": "0"}, {"image": ("cat.png", png(), "image/png")}, "n"),
])
def test_bad_edit_requests_are_refused_and_not_charged(world, emu, openai, fields, files, param):
    before = world.used_quota()
    resp = world.multipart(openai, "/v1/images/edits", fields, files)
    _refused(world, emu, resp, 400, param)
    assert world.used_quota() == before


def test_edit_sent_as_json_or_with_a_broken_multipart_body_is_a_400(world, emu, openai):
    import requests
    from tests.support.gateway_world import ROOT_KEY
    auth = {"Authorization": f"Bearer sk-{ROOT_KEY}-{openai}"}
    resp = world.post(openai, "/v1/images/edits", {"model": "dall-e-2", "prompt": "hat"})
    _refused(world, emu, resp, 400, "image")
    broken = requests.post(world.url + "/v1/images/edits", data=b"--zzz\r\nnot a part", timeout=15,
                           headers={**auth, "Content-Type": "multipart/form-data; boundary=zzz"})
    _refused(world, emu, broken, 400)


def test_provider_refusal_is_relayed_and_not_charged(world, emu):
    cid = world.create_channel(OPENAI, "dall-e-3", base_url=world.emu.scenario_url("bad400"))
    before = world.used_quota()
    resp = world.post(cid, "/v1/images/generations", {"model": "dall-e-3", "prompt": "x"})
    assert resp.status_code == 400 and resp.json()["error"]["type"] == "invalid_request_error"
    assert world.cost(resp)["quota"] == 0
    assert world.used_quota() == before


# ---- other providers ---------------------------------------------------------------------------------------

def test_gemini_image_model_is_billed_per_image_with_a_cost_record(world, emu):
    configs = json.dumps({"gemini-2.5-flash-image": {"image": {"price_per_image_usd": 0.039}}})
    cid = world.create_channel(24, "gemini-2.5-flash-image", key="gk", model_configs=configs)
    resp = world.post(cid, "/v1/images/generations", {"model": "gemini-2.5-flash-image", "prompt": "a blue whale",
                                                      "n": 2})
    assert resp.status_code == 200, resp.text
    assert [_png_b64(d)[:4] for d in resp.json()["data"]] == [b"\x89PNG"] * 2
    assert world.charged(resp)[0] == round(2 * 0.039 * 500000)


def test_gemini_image_model_bundled_price(world, emu):
    """Without a channel price, gemini-2.5-flash-image costs its list price: $0.039 per image."""
    cid = world.create_channel(24, "gemini-2.5-flash-image", key="gk")
    resp = world.post(cid, "/v1/images/generations", {"model": "gemini-2.5-flash-image", "prompt": "a whale"})
    assert resp.status_code == 200, resp.text
    assert world.charged(resp)[0] == round(0.039 * 500000)


def test_vertex_imagen_is_billed_per_image(world, emu):
    from tests.emulator import vertex as emu_vertex
    info = emu_vertex.service_account(world.emu.url + "/vertex/token", client_email=emu_vertex.CLIENT_EMAIL)
    cid = world.create_channel(42, "imagen-3.0-generate-002", key=json.dumps(info),
                               config=json.dumps({"region": "us-central1", "vertex_ai_project_id": "emu-project"}))
    resp = world.post(cid, "/v1/images/generations", {"model": "imagen-3.0-generate-002", "prompt": "a red square",
                                                      "n": 3})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["data"]) == 3
    sent = emu.last_request()
    assert sent["json"]["parameters"]["sampleCount"] == 3
    assert world.charged(resp)[0] == 3 * round(0.04 * 500000)  # Imagen 3: $0.04 per image


def test_azure_deployments_serve_generations_and_edits(world, emu):
    cid = world.create_channel(3, "dall-e-3,dall-e-2", key="azkey", config=json.dumps({"api_version": "2024-10-21"}))
    resp = world.post(cid, "/v1/images/generations", {"model": "dall-e-3", "prompt": "a boat", "quality": "hd"})
    assert resp.status_code == 200, resp.text
    sent = emu.last_request()
    assert sent["api_path"] == "/openai/deployments/dall-e-3/images/generations"
    assert sent["headers"]["api-key"] == "azkey" and sent["query"].get("api-version") == "2024-10-21"
    assert world.charged(resp)[0] == 40000
    edit = world.multipart(cid, "/v1/images/edits", {"model": "dall-e-2", "prompt": "a sail"},
                           {"image": ("boat.png", png(), "image/png")})
    assert edit.status_code == 200, edit.text
    assert emu.last_request()["api_path"] == "/openai/deployments/dall-e-2/images/edits"
    assert world.charged(edit)[0] == 12500  # dall-e-2 1024x1024: 10 x 1.25 x 1000
