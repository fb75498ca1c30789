"""Client formats meeting other provider protocols through the conversion hub, against the provider emulator."""
from __future__ import annotations

import json

import pytest

from tests.emulator.fixtures import emulator_fixture
from tests.integration.relay.conftest import BOB_KEY, ROOT_KEY, enable_fixture_gemini_channel, sqlite_fixture_gateway

AUTH = {"Authorization": f"Bearer sk-{ROOT_KEY}"}


emu = emulator_fixture()


@pytest.fixture
def gw(tmp_path, stub, emu):
    gateway = sqlite_fixture_gateway(tmp_path, stub)
    gateway.point_channels(c1=emu.url, c3=emu.url, c4=emu.url)
    enable_fixture_gemini_channel(gateway)
    emu.clear()
    return gateway


def _sse(resp) -> list[tuple[str | None, str]]:
    out, event = [], None
    for line in resp.data.decode().split("\n"):
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            out.append((event, line[6:]))
            event = None
    return out


def test_chat_client_to_anthropic_channel(gw, emu):
    resp = gw.chat(model="claude-3-5-haiku-20241022")
    assert resp.status_code == 200, resp.data
    body = resp.get_json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"]
    req = emu.last_request("/v1/messages")
    assert req["headers"]["anthropic-version"] and req["headers"]["x-api-key"]
    assert req["json"]["model"] == "claude-3-5-haiku-20241022" and req["json"]["max_tokens"] > 0
    reply = req["reply"]
    assert body["usage"]["prompt_tokens"] == reply["input_tokens"]
    assert body["usage"]["completion_tokens"] == reply["output_tokens"]


def test_chat_client_streaming_from_anthropic(gw, emu):
    body = {"model": "claude-3-5-haiku-20241022", "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "tell me something"}]}
    resp = gw.post("/v1/chat/completions", body)
    assert resp.status_code == 200 and resp.content_type.startswith("text/event-stream")
    events = [d for _, d in _sse(resp)]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(d) for d in events[:-1]]
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c["choices"])
    assert text == emu.last_request("/v1/messages")["reply"]["text"]
    assert chunks[-1]["usage"]["completion_tokens"] == emu.last_request("/v1/messages")["reply"]["output_tokens"]


def test_claude_client_passthrough_to_anthropic(gw, emu):
    raw = json.dumps({"model": "claude-3-5-haiku-20241022", "max_tokens": 50,
                      "messages": [{"role": "user", "content": "hello"}]}).encode()
    resp = gw.client.post("/v1/messages", data=raw, content_type="application/json",
                          headers={"x-api-key": f"sk-{ROOT_KEY}", "anthropic-version": "2023-06-01"})
    assert resp.status_code == 200, resp.data
    assert resp.get_json()["type"] == "message"
    assert emu.last_request("/v1/messages")["raw"] == raw.decode()  # untouched


def test_claude_client_to_openai_channel_streaming(gw, emu):
    body = {"model": "gpt-4o-mini", "max_tokens": 100, "stream": True,
            "messages": [{"role": "user", "content": "hello"}]}
    resp = gw.post("/v1/messages", body)
    assert resp.status_code == 200
    events = _sse(resp)
    names = [e for e, _ in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    assert "content_block_delta" in names
    upstream = emu.last_request("/v1/chat/completions")
    assert upstream["json"]["stream_options"] == {"include_usage": True}


def test_responses_client_passthrough_and_stored_objects(gw, emu):
    resp = gw.post("/v1/responses", {"model": "gpt-4o-mini", "input": "hello", "store": True})
    assert resp.status_code == 200, resp.data
    rid = resp.get_json()["id"]
    assert emu.last_request("/v1/responses")["json"]["input"] == "hello"
    got = gw.client.get(f"/v1/responses/{rid}", headers=AUTH)
    assert got.status_code == 200 and got.get_json()["id"] == rid
    items = gw.client.get(f"/v1/responses/{rid}/input_items", headers=AUTH)
    assert items.status_code == 200 and items.get_json()["data"]


def test_responses_client_to_anthropic_channel(gw, emu):
    resp = gw.post("/v1/responses", {"model": "claude-3-5-haiku-20241022", "input": "hello"})
    assert resp.status_code == 200, resp.data
    body = resp.get_json()
    assert body["object"] == "response" and body["output"]
    assert emu.last_request("/v1/messages") is not None


def test_chat_client_to_gemini_channel(gw, emu):
    resp = gw.chat(model="gemini-1.5-flash", key=BOB_KEY)
    assert resp.status_code == 200, resp.data
    assert resp.get_json()["choices"][0]["message"]["content"]
    req = emu.requests()[-1]
    assert req["api_path"].endswith("/models/gemini-1.5-flash:generateContent")
    assert req["headers"]["x-goog-api-key"]
    stream = gw.chat(model="gemini-2.0-flash", key=BOB_KEY, stream=True)  # mapped to gemini-2.0-flash-001
    assert stream.status_code == 200
    assert _sse(stream)[-1][1] == "[DONE]"
    req = emu.requests()[-1]
    assert "gemini-2.0-flash-001:streamGenerateContent" in req["api_path"] and req["query"]["alt"] == "sse"


def test_upstream_error_in_client_format(gw, emu):
    gw.point_channels(c3=emu.scenario_url("bad400"))
    resp = gw.post("/v1/messages", {"model": "claude-3-5-haiku-20241022", "max_tokens": 10,
                                    "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 400
    body = resp.get_json()  # a Claude client gets Claude's error shape
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert "(request id: " in body["error"]["message"]
    unauth = gw.client.post("/v1/messages", json={"model": "x"}, headers={"x-api-key": "sk-nope"})
    assert unauth.status_code == 401 and unauth.get_json()["type"] == "error"


def test_azure_channel_against_the_emulator(gw, emu):
    from tests.integration.relay.conftest import ADMIN_KEY
    gw.point_channels(c2=emu.url)
    resp = gw.chat(model="gpt-4o", key=f"{ADMIN_KEY}-2")
    assert resp.status_code == 200, resp.data
    req = emu.requests()[-1]
    assert req["api_path"] == "/openai/deployments/gpt-4o-2024-08-06/chat/completions"
    assert req["query"]["api-version"] == "2024-03-01-preview" and req["headers"]["api-key"]
    stream = gw.chat(model="gpt-4o-mini", key=f"{ADMIN_KEY}-2", stream=True)
    assert stream.status_code == 200 and _sse(stream)[-1][1] == "[DONE]"
    resp = gw.post("/v1/responses", {"model": "gpt-4o-mini", "input": "hello"}, key=f"{ADMIN_KEY}-2")
    assert resp.status_code == 200, resp.data
    assert emu.requests()[-1]["api_path"] == "/openai/v1/responses"


def _channel(gw, cid: int, type_: int, base: str, model: str, **extra) -> None:
    from oneapi.models import Ability, Channel
    from oneapi.services import cache
    with gw.db():
        Channel.insert(id=cid, type=type_, key="emu-key", status=1, name=f"t{cid}", base_url=base, models=model,
                       group="default", priority=0, model_mapping="", config="", **extra).execute()
        Ability.insert(group="default", model=model, channel_id=cid, enabled=True, priority=0).execute()
    cache.invalidate_channels()


def test_reasoning_models_get_their_parameters_and_api(gw, emu):
    _channel(gw, 301, 1, emu.url, "gpt-5-mini")
    body = {"model": "gpt-5-mini", "max_tokens": 40, "temperature": 0.2,
            "messages": [{"role": "user", "content": "hello"}]}
    resp = gw.post("/v1/chat/completions", body)
    assert resp.status_code == 200, resp.data
    assert resp.get_json()["object"] == "chat.completion"
    upstream = emu.requests()[-1]
    assert upstream["api_path"] == "/v1/responses"  # OpenAI serves gpt-5 on the Responses API
    assert "temperature" not in upstream["json"] and upstream["json"]["max_output_tokens"] == 40

    _channel(gw, 302, 3, emu.url, "gpt-5-nano", other="2024-10-21")  # Azure keeps Chat, adapted
    resp = gw.post("/v1/chat/completions", {**body, "model": "gpt-5-nano"})
    assert resp.status_code == 200, resp.data
    upstream = emu.requests()[-1]
    assert upstream["api_path"] == "/openai/deployments/gpt-5-nano/chat/completions"
    assert upstream["json"]["max_completion_tokens"] == 40
    assert "max_tokens" not in upstream["json"] and "temperature" not in upstream["json"]


def test_responses_client_to_openai_compatible_channel_is_sent_as_chat(gw, emu):
    _channel(gw, 303, 50, emu.url + "/v1", "openai/gpt-oss-20b")
    resp = gw.post("/v1/responses", {"model": "openai/gpt-oss-20b", "input": "hello"})
    assert resp.status_code == 200, resp.data
    assert resp.get_json()["object"] == "response"
    assert emu.requests()[-1]["api_path"] == "/v1/chat/completions"
