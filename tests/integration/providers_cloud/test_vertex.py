"""Google Vertex AI (type 42) through a real gunicorn gateway and the emulator: service-account key exchanged
for an OAuth token at the emulator's token endpoint (JWT verified there) and cached until it nears expiry,
Gemini and Claude publisher models, JSON and SSE, tools, a Claude-Messages client, the global location."""
from __future__ import annotations

import json

import pytest

from oneapi.relay.providers import vertex
from tests.emulator import vertex as emu_vertex
from tests.integration.providers_cloud.conftest import chat_stream_text, sse_events

GEMINI = "gemini-2.0-flash"
CLAUDE = "claude-sonnet-4@20250514"
PREFIX = "/v1/projects/emu-project/locations"


@pytest.fixture(scope="module")
def channels(world):
    return {"gemini": world.vertex_channel(GEMINI), "claude": world.vertex_channel(CLAUDE),
            "global": world.vertex_channel(GEMINI, region="global")}


def _issued_tokens() -> set[str]:
    return {token for token, _ in emu_vertex.ISSUED}


def test_gemini_chat_json_and_stream_with_an_issued_token(world, emu, channels):
    resp = world.post(channels["gemini"], "/v1/chat/completions",
                      {"model": GEMINI, "messages": [{"role": "user", "content": "hello vertex"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "echo: hello vertex"
    record = emu.last_request()
    assert record["path"] == f"{PREFIX}/us-central1/publishers/google/models/{GEMINI}:generateContent"
    token = record["headers"]["authorization"].removeprefix("Bearer ")
    assert token in _issued_tokens()
    assert "model" not in record["json"] and record["json"]["contents"][0]["role"] == "user"
    assert resp.json()["usage"]["prompt_tokens"] == record["reply"]["input_tokens"]

    resp = world.post(channels["gemini"], "/v1/chat/completions",
                      {"model": GEMINI, "stream": True, "stream_options": {"include_usage": True},
                       "messages": [{"role": "user", "content": "stream vertex words"}]}, stream=True)
    text, _, usage = chat_stream_text(resp)
    record = emu.last_request()
    assert record["path"].endswith(":streamGenerateContent") and record["query"].get("alt") == "sse"
    assert text == "echo: stream vertex words"
    assert usage["completion_tokens"] == record["reply"]["output_tokens"]


def test_gemini_tools(world, emu, channels):
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    resp = world.post(channels["gemini"], "/v1/chat/completions",
                      {"model": GEMINI, "tools": [tool], "tool_choice": "required",
                       "messages": [{"role": "user", "content": "weather in Rome"}]})
    assert resp.status_code == 200, resp.text
    call = resp.json()["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    sent = emu.last_request()["json"]["tools"][0]["functionDeclarations"][0]
    assert sent["name"] == "get_weather"


def test_claude_on_vertex_raw_predict_for_messages_and_chat_clients(world, emu, channels):
    body = {"model": CLAUDE, "max_tokens": 64, "messages": [{"role": "user", "content": "claude on vertex"}]}
    resp = world.post(channels["claude"], "/v1/messages", body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["content"][0]["text"] == "echo: claude on vertex"
    record = emu.last_request()
    assert record["path"] == f"{PREFIX}/us-central1/publishers/anthropic/models/{CLAUDE}:rawPredict"
    assert record["json"]["anthropic_version"] == "vertex-2023-10-16" and "model" not in record["json"]

    resp = world.post(channels["claude"], "/v1/messages", {**body, "stream": True}, stream=True)
    events = sse_events(resp)
    assert events[0][0] == "message_start" and events[-1][0] == "message_stop"
    assert emu.last_request()["path"].endswith(":streamRawPredict")

    resp = world.post(channels["claude"], "/v1/chat/completions",
                      {"model": CLAUDE, "stream": True, "messages": [{"role": "user", "content": "chat to claude"}]},
                      stream=True)
    text, _, _ = chat_stream_text(resp)
    assert text == "echo: chat to claude"


def test_global_location(world, emu, channels):
    resp = world.post(channels["global"], "/v1/chat/completions",
                      {"model": GEMINI, "messages": [{"role": "user", "content": "anywhere"}]})
    assert resp.status_code == 200, resp.text
    assert emu.last_request()["path"].startswith(f"{PREFIX}/global/publishers/google/models/")
    assert vertex.location_host("global") == "https://aiplatform.googleapis.com"
    assert vertex.location_host("europe-west4") == "https://europe-west4-aiplatform.googleapis.com"


def test_token_is_cached_until_it_nears_expiry(world, emu):
    before = len(emu_vertex.ISSUED)
    channel = world.vertex_channel(GEMINI, client_email="cache-test@emu-project.iam.gserviceaccount.com")
    for word in ("one", "two", "three"):
        resp = world.post(channel, "/v1/chat/completions", {"model": GEMINI, "messages": [
            {"role": "user", "content": word}]})
        assert resp.status_code == 200, resp.text
    assert len(emu_vertex.ISSUED) == before + 1  # one exchange served three requests

    before = len(emu_vertex.ISSUED)
    short = world.vertex_channel(GEMINI, client_email="short-lived@emu-project.iam.gserviceaccount.com")
    emu_vertex.TOKEN_TTL = 60  # inside google-auth's refresh margin: every use fetches a fresh token
    try:
        for word in ("four", "five"):
            resp = world.post(short, "/v1/chat/completions", {"model": GEMINI, "messages": [
                {"role": "user", "content": word}]})
            assert resp.status_code == 200, resp.text
    finally:
        emu_vertex.TOKEN_TTL = 3600
    assert len(emu_vertex.ISSUED) == before + 2


def test_bad_service_account_key_is_refused(world, emu):
    info = emu_vertex.service_account(world.emu.url + "/vertex/token")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    info["private_key"] = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode()
    info["client_email"] = "forged@emu-project.iam.gserviceaccount.com"
    channel = world.create_channel(42, GEMINI, key=json.dumps(info), base_url=world.emu.url,
                                   config={"region": "us-central1"})
    resp = world.post(channel, "/v1/chat/completions", {"model": GEMINI, "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401
    assert "Invalid JWT Signature" in resp.json()["error"]["message"]
    assert emu.requests() == [] or all("/publishers/" not in r["path"] for r in emu.requests())


def test_channel_test_endpoint(world, emu, channels):
    import requests
    from tests.integration.providers_cloud.conftest import ROOT_ACCESS_TOKEN
    for name in ("gemini", "claude"):
        resp = requests.get(f"{world.url}/api/channel/test/{channels[name]}", timeout=30,
                            headers={"Authorization": ROOT_ACCESS_TOKEN})
        assert resp.json()["success"] is True, resp.text
        assert "/publishers/" in emu.last_request()["path"]


def test_imagen_generations(world, emu):
    import base64
    channel = world.vertex_channel("imagen-3.0-generate-002")
    resp = world.post(channel, "/v1/images/generations", {"model": "imagen-3.0-generate-002", "prompt": "a red square",
                                                          "n": 2, "size": "1792x1024"})
    assert resp.status_code == 200, resp.text
    images = resp.json()["data"]
    assert len(images) == 2 and base64.b64decode(images[0]["b64_json"]).startswith(b"\x89PNG")
    record = emu.last_request()
    assert record["path"] == f"{PREFIX}/us-central1/publishers/google/models/imagen-3.0-generate-002:predict"
    assert record["json"] == {"instances": [{"prompt": "a red square"}],
                              "parameters": {"sampleCount": 2, "aspectRatio": "16:9"}}
    quota = world.log_row(resp.headers["X-Oneapi-Request-Id"])[0]
    assert quota > 0


def test_gemini_sdk_client_on_vertex_and_bedrock(world, emu, channels):
    body = {"contents": [{"role": "user", "parts": [{"text": "gemini client"}]}]}
    resp = world.post(channels["gemini"], f"/v1beta/models/{GEMINI}:generateContent", body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["candidates"][0]["content"]["parts"][0]["text"] == "echo: gemini client"
    record = emu.last_request()
    assert record["path"].endswith(f"/publishers/google/models/{GEMINI}:generateContent")
    assert "model" not in record["json"]

    nova = world.bedrock_channel("nova-lite")
    resp = world.post(nova, "/v1beta/models/nova-lite:streamGenerateContent?alt=sse", body, stream=True)
    assert resp.status_code == 200, resp.text
    texts = [part.get("text", "") for _, data in sse_events(resp)
             for part in json.loads(data)["candidates"][0]["content"]["parts"]]
    assert "".join(texts) == "echo: gemini client"
    assert emu.last_request()["path"] == "/model/us.amazon.nova-lite-v1:0/converse-stream"


def test_partner_model_on_the_openai_compatible_endpoint(world, emu):
    model = "meta/llama-3.3-70b-instruct-maas"
    channel = world.vertex_channel(model)
    resp = world.post(channel, "/v1/chat/completions", {"model": model, "messages": [
        {"role": "user", "content": "hello llama"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "echo: hello llama"
    record = emu.last_request()
    assert record["path"] == f"{PREFIX}/us-central1/endpoints/openapi/chat/completions"
    assert record["json"]["model"] == model
    resp = world.post(channel, "/v1/messages", {"model": model, "max_tokens": 30, "stream": True, "messages": [
        {"role": "user", "content": "claude client to llama"}]}, stream=True)
    text = "".join(json.loads(data)["delta"].get("text", "") for name, data in sse_events(resp)
                   if name == "content_block_delta")
    assert text == "echo: claude client to llama"


def test_embeddings_through_predict(world, emu):
    model = "text-embedding-005"
    channel = world.vertex_channel(model)
    resp = world.post(channel, "/v1/embeddings", {"model": model, "input": ["one two three", "four"],
                                                  "dimensions": 8})
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert [len(d["embedding"]) for d in answer["data"]] == [8, 8] and answer["data"][1]["index"] == 1
    assert answer["usage"]["prompt_tokens"] == 4
    record = emu.last_request()
    assert record["path"] == f"{PREFIX}/us-central1/publishers/google/models/{model}:predict"
    assert record["json"] == {"instances": [{"content": "one two three"}, {"content": "four"}],
                              "parameters": {"outputDimensionality": 8}}
    quota, prompt, completion, *_ = world.log_row(resp.headers["X-Oneapi-Request-Id"])
    assert (prompt, completion) == (4, 0)
