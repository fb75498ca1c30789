"""Image URLs in prompts through the gateway: Gemini channels get them inline (fetched under the address rules),
a refused URL is a clean 400 in the client's format with nothing sent upstream, Claude channels keep URLs."""
from __future__ import annotations

import base64

import pytest

from oneapi.relay import user_content
from tests.emulator.fixtures import emulator_fixture
from tests.integration.relay.conftest import BOB_KEY, enable_fixture_gemini_channel, sqlite_fixture_gateway
from tests.unit.relay.test_user_content import LOCAL, PNG, ImageServer

GEMINI_MODEL = "gemini-1.5-flash"  # the fixture's channel 4 (type Gemini) serves it to Bob's group


emu = emulator_fixture()


@pytest.fixture(scope="module")
def images():
    srv = ImageServer()
    yield srv
    srv.stop()


@pytest.fixture
def gw(tmp_path, stub, emu, images):
    gateway = sqlite_fixture_gateway(tmp_path, stub)
    gateway.point_channels(c1=emu.url, c3=emu.url, c4=emu.url)
    enable_fixture_gemini_channel(gateway)
    emu.clear()
    images.seen.clear()
    return gateway


def _chat(url: str, model: str = GEMINI_MODEL, **extra) -> dict:
    return {"model": model, **extra, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "what is in this picture?"},
        {"type": "image_url", "image_url": {"url": url}}]}]}


def _gemini_parts(emu) -> list[dict]:
    sent = [r for r in emu.requests() if ":generateContent" in r["api_path"] or "streamGenerate" in r["api_path"]]
    assert len(sent) == 1
    return [p for c in sent[0]["json"]["contents"] for p in c["parts"]]


def test_image_url_at_loopback_is_a_clean_400_and_nothing_goes_upstream(gw, emu, images):
    resp = gw.post("/v1/chat/completions", _chat(images.url("/img.png")), key=BOB_KEY)
    assert resp.status_code == 400, resp.data
    error = resp.get_json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "invalid_image_url"
    assert "loopback" in error["message"]
    assert emu.requests() == [] and images.seen == []


def test_refusal_streamed_is_a_json_400_not_a_broken_stream(gw, emu, images):
    resp = gw.post("/v1/chat/completions", _chat("http://169.254.169.254/latest/meta-data/", stream=True),
                   key=BOB_KEY)
    assert resp.status_code == 400 and resp.content_type.startswith("application/json")
    assert "cloud metadata" in resp.get_json()["error"]["message"]
    assert emu.requests() == []


def test_claude_client_gets_the_refusal_in_claude_shape(gw, emu, images):
    body = {"model": GEMINI_MODEL, "max_tokens": 50, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "url", "url": "http://2130706433/cat.png"}},
        {"type": "text", "text": "describe"}]}]}
    resp = gw.client.post("/v1/messages", json=body,
                          headers={"x-api-key": f"sk-{BOB_KEY}", "anthropic-version": "2023-06-01"})
    assert resp.status_code == 400, resp.data
    answer = resp.get_json()
    assert answer["type"] == "error" and answer["error"]["type"] == "invalid_request_error"
    assert "loopback" in answer["error"]["message"]
    assert emu.requests() == []


def test_responses_client_refused_too(gw, emu, images):
    body = {"model": GEMINI_MODEL, "input": [{"role": "user", "content": [
        {"type": "input_text", "text": "describe"},
        {"type": "input_image", "image_url": "http://[::ffff:10.0.0.1]/x.png"}]}]}
    resp = gw.post("/v1/responses", body, key=BOB_KEY)
    assert resp.status_code == 400, resp.data
    assert "private" in resp.get_json()["error"]["message"]
    assert emu.requests() == []


def test_data_url_image_reaches_gemini_inline(gw, emu, images):
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    resp = gw.post("/v1/chat/completions", _chat(data_url), key=BOB_KEY)
    assert resp.status_code == 200, resp.data
    inline = [p["inlineData"] for p in _gemini_parts(emu) if "inlineData" in p]
    assert inline == [{"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}]
    assert images.seen == []


def test_allowed_image_url_is_fetched_once_and_inlined_for_gemini(gw, emu, images, monkeypatch):
    monkeypatch.setattr(user_content, "ALLOWED_NETWORKS", LOCAL)  # test-only widening, in-process
    url = images.url("/lying.txt")  # served as text/plain: the magic bytes say PNG
    resp = gw.post("/v1/chat/completions", _chat(url, stream=True), key=BOB_KEY)
    assert resp.status_code == 200, resp.data
    assert b"[DONE]" in resp.data
    parts = _gemini_parts(emu)
    assert {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}} in parts
    assert not any("fileData" in p for p in parts)
    assert [s["path"] for s in images.seen] == ["/lying.txt"]


def test_claude_channel_keeps_the_url_and_the_gateway_fetches_nothing(gw, emu, images):
    url = "https://images.example.com/cat.png"
    resp = gw.post("/v1/chat/completions", _chat(url, model="claude-3-5-haiku-20241022"))
    assert resp.status_code == 200, resp.data
    blocks = [b for m in emu.last_request("/v1/messages")["json"]["messages"] for b in m["content"]
              if isinstance(b, dict) and b.get("type") == "image"]
    assert blocks == [{"type": "image", "source": {"type": "url", "url": url}}]
    assert images.seen == []


def test_real_gateway_refuses_loopback_and_inlines_data_urls(tmp_path, emu, images):
    """The same through gunicorn with gevent workers, as deployed."""
    import requests

    from tests.integration.responses_state import deployment
    dep = deployment.start("sqlite", tmp_path, emu.url, [deployment.ChannelSpec(type=24, models=GEMINI_MODEL)])
    try:
        emu.clear()
        images.seen.clear()
        headers = {"Authorization": f"Bearer {dep.key}"}
        refused = requests.post(dep.url + "/v1/chat/completions", json=_chat(images.url("/img.png")),
                                headers=headers, timeout=20)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == "invalid_image_url"
        assert emu.requests() == [] and images.seen == []
        data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
        ok = requests.post(dep.url + "/v1/chat/completions", json=_chat(data_url), headers=headers, timeout=20)
        assert ok.status_code == 200, ok.text
        assert {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}} in _gemini_parts(emu)
    finally:
        deployment.stop(dep)
