"""Cohere, Replicate and Coze through a real gunicorn gateway against the provider emulator: chat JSON and
streams (tools where the provider has them), rerank, image generation with per-image billing, failed jobs."""
from __future__ import annotations

import json

import pytest

from tests.integration.providers_more.conftest import sse_data

WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "weather of a city",
                                                  "parameters": {"type": "object", "required": ["city"],
                                                                 "properties": {"city": {"type": "string"}}}}}


def _chunks(resp) -> list[dict]:
    data = sse_data(resp)
    assert data[-1] == "[DONE]"
    return [json.loads(d) for d in data[:-1]]


def _text(chunks) -> str:
    return "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c["choices"])


# ---- Cohere --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cohere(world):
    return world.create_channel(35, "command-r", base_url=world.emu.url)


def test_cohere_chat_is_sent_as_v2_chat_and_billed_from_billed_units(world, cohere):
    world.emu.clear()
    resp = world.post(cohere, "/v1/chat/completions", {
        "model": "command-r", "top_p": 0.5, "max_tokens": 50, "stop": "zzz",
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there friend"}]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["choices"][0]["message"]["content"] == "echo: hello there friend"
    assert body["choices"][0]["finish_reason"] == "stop"
    sent = world.emu.last_request("/v2/chat")
    assert sent["headers"]["authorization"] == "Bearer sk-test"
    assert sent["json"]["p"] == 0.5 and "top_p" not in sent["json"]
    assert sent["json"]["stop_sequences"] == ["zzz"] and sent["json"]["max_tokens"] == 50
    assert sent["json"]["messages"][0] == {"role": "system", "content": "be brief"}
    reply = sent["reply"]
    assert body["usage"]["prompt_tokens"] == reply["input_tokens"]  # billed units, not the template's tokens
    quota, prompt, completion, model, channel = world.log_row(resp.headers["X-Oneapi-Request-Id"])
    assert (prompt, completion, model, channel) == (reply["input_tokens"], reply["output_tokens"], "command-r", cohere)
    assert quota > 0


def test_cohere_streams_tool_calls_and_takes_the_tool_result_back(world, cohere):
    world.emu.clear()
    ask = [{"role": "user", "content": "what is the weather in Paris"}]
    with world.post(cohere, "/v1/chat/completions", {"model": "command-r", "stream": True, "tools": [WEATHER_TOOL],
                                                     "tool_choice": "required",
                                                     "stream_options": {"include_usage": True},
                                                     "messages": ask}, stream=True) as resp:
        assert resp.status_code == 200
        chunks = _chunks(resp)
    calls = [tc for c in chunks if c["choices"] for tc in c["choices"][0]["delta"].get("tool_calls") or []]
    assert calls[0]["function"]["name"] == "get_weather" and calls[0]["id"]
    arguments = json.loads("".join(c["function"].get("arguments", "") for c in calls))
    assert set(arguments) == {"city"}
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "tool_calls"
    assert chunks[-1]["usage"]["completion_tokens"] == world.emu.last_request("/v2/chat")["reply"]["output_tokens"]
    assert world.emu.last_request("/v2/chat")["json"]["tool_choice"] == "REQUIRED"
    # the second turn: the assistant's call and the tool's answer, as Cohere wants them
    second = ask + [{"role": "assistant", "content": None, "tool_calls": [
        {"id": calls[0]["id"], "type": "function", "function": {"name": "get_weather",
                                                                "arguments": json.dumps(arguments)}}]},
        {"role": "tool", "tool_call_id": calls[0]["id"], "content": "sunny, 21C"}]
    resp = world.post(cohere, "/v1/chat/completions", {"model": "command-r", "tools": [WEATHER_TOOL],
                                                       "messages": second})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "tool result: sunny, 21C"
    sent = world.emu.last_request("/v2/chat")["json"]["messages"]
    assert sent[1]["role"] == "assistant" and sent[1]["tool_calls"][0]["id"] == calls[0]["id"]
    assert sent[2] == {"role": "tool", "tool_call_id": calls[0]["id"], "content": "sunny, 21C"}


def test_cohere_serves_claude_clients_too(world, cohere):
    resp = world.post(cohere, "/v1/messages", {"model": "command-r", "max_tokens": 100,
                                               "messages": [{"role": "user", "content": "hi from claude"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["content"][0]["text"] == "echo: hi from claude"


def test_cohere_rerank(world, cohere):
    world.emu.clear()
    resp = world.post(cohere, "/v1/rerank", {"model": "command-r", "query": "red apples",
                                             "documents": ["blue sky", {"text": "red apples are sweet"}],
                                             "top_n": 1})
    assert resp.status_code == 200, resp.text
    assert resp.json()["results"][0]["index"] == 1
    sent = world.emu.last_request("/v2/rerank")
    assert sent["json"]["documents"] == ["blue sky", "red apples are sweet"]


# ---- Replicate -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def replicate(world):
    configs = json.dumps({"black-forest-labs/flux-schnell": {"image": {"price_per_image_usd": 0.01}}})
    cid = world.create_channel(46, "meta/meta-llama-3-8b-instruct,black-forest-labs/flux-schnell",
                               key="r8_test", base_url=world.emu.url + "/v1/models/")
    world.admin("PUT", "/api/channel/", {"id": cid, "model_configs": configs})
    return cid


def test_replicate_chat_waits_for_the_prediction(world, replicate):
    world.emu.clear()
    resp = world.post(replicate, "/v1/chat/completions", {
        "model": "meta/meta-llama-3-8b-instruct", "max_tokens": 40,
        "messages": [{"role": "system", "content": "be kind"}, {"role": "user", "content": "hello replicate"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "echo: hello replicate"
    created = world.emu.last_request("/v1/models/meta/meta-llama-3-8b-instruct/predictions")
    assert created["headers"]["prefer"] == "wait" and created["headers"]["authorization"] == "Bearer r8_test"
    assert created["json"]["input"] == {"prompt": "hello replicate", "system_prompt": "be kind", "max_tokens": 40,
                                        "max_new_tokens": 40}
    _, prompt, completion, _, _ = world.log_row(resp.headers["X-Oneapi-Request-Id"])
    assert (prompt, completion) == (created["reply"]["input_tokens"], created["reply"]["output_tokens"])


def test_replicate_chat_streams_from_the_stream_url(world, replicate):
    world.emu.clear()
    with world.post(replicate, "/v1/chat/completions", {
            "model": "meta/meta-llama-3-8b-instruct", "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "stream me please"}]}, stream=True) as resp:
        assert resp.status_code == 200
        chunks = _chunks(resp)
    assert _text(chunks) == "echo: stream me please"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    paths = [r["api_path"] for r in world.emu.requests()]
    assert paths[0].endswith("/predictions") and paths[1].startswith("/v1/_replicate_stream/")
    assert paths[2].startswith("/v1/predictions/")  # read once at `done` for the token counts
    created = world.emu.requests()[0]
    assert created["json"]["stream"] is True
    reply = created["reply"]
    assert chunks[-1]["usage"]["completion_tokens"] == reply["output_tokens"]
    _, prompt, completion, _, _ = world.log_row(resp.headers["X-Oneapi-Request-Id"])
    assert (prompt, completion) == (reply["input_tokens"], reply["output_tokens"])  # the stream is billed too


def test_replicate_community_model_version_is_run_by_version(world):
    model = "yorickvp/llava-13b:80537f9eead1a5bfa72d5ac6ea6414379be41d4d4f6679fd776e9535d1eb58bb"
    cid = world.create_channel(46, model, key="r8_test", base_url=world.emu.url)
    world.emu.clear()
    resp = world.post(cid, "/v1/chat/completions", {"model": model,
                                                    "messages": [{"role": "user", "content": "hello llava"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "echo: hello llava"
    created = world.emu.requests()[0]
    assert created["api_path"] == "/v1/predictions" and created["json"]["version"] == model


def test_replicate_image_is_polled_and_billed_per_image(world, replicate):
    world.emu.clear()
    resp = world.post(replicate, "/v1/images/generations", {"model": "black-forest-labs/flux-schnell",
                                                            "prompt": "a red fox", "n": 2, "size": "1792x1024"})
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert len(data) == 2 and all(item["url"].startswith(world.emu.url + "/_emu/images/") for item in data)
    created = world.emu.requests()[0]
    assert created["json"]["input"] == {"prompt": "a red fox", "aspect_ratio": "7:4", "num_outputs": 2}
    assert [r["reply"]["status"] for r in world.emu.requests()[1:]] == ["processing", "succeeded"]
    quota, *_ = world.log_row(resp.headers["X-Oneapi-Request-Id"])
    assert quota == 2 * 0.01 * 500000  # two images at the channel's $0.01 each


def test_replicate_failed_prediction_is_an_error_and_refunded(world):
    cid = world.create_channel(46, "black-forest-labs/flux-dev", key="r8_test",
                               base_url=world.emu.scenario_url("jobfail"))
    before = world.admin("GET", "/api/user/self")["data"]["used_quota"]
    resp = world.post(cid, "/v1/images/generations", {"model": "black-forest-labs/flux-dev", "prompt": "x"})
    assert resp.status_code == 502
    assert "failed" in resp.json()["error"]["message"]
    assert world.admin("GET", "/api/user/self")["data"]["used_quota"] == before


# ---- Coze ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def coze(world):
    return world.create_channel(34, "bot-7439630213807570979", key="pat_test", base_url=world.emu.url,
                                config=json.dumps({"user_id": "gateway-user"}))


def test_coze_chat_polls_and_lists_the_answer(world, coze):
    world.emu.clear()
    resp = world.post(coze, "/v1/chat/completions", {"model": "bot-7439630213807570979", "messages": [
        {"role": "system", "content": "be short"}, {"role": "user", "content": "hello coze"}]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["choices"][0]["message"]["content"] == "echo: be short\n\nhello coze"  # system text leads
    created = world.emu.requests()[0]
    assert created["json"]["bot_id"] == "7439630213807570979" and created["json"]["user_id"] == "gateway-user"
    assert created["json"]["additional_messages"] == [
        {"role": "user", "content": "be short\n\nhello coze", "content_type": "text"}]
    paths = [r["api_path"] for r in world.emu.requests()]
    assert paths == ["/v3/chat", "/v3/chat/retrieve", "/v3/chat/retrieve", "/v3/chat/message/list"]
    assert body["usage"]["completion_tokens"] == created["reply"]["output_tokens"]


def test_coze_stream(world, coze):
    with world.post(coze, "/v1/chat/completions", {"model": "bot-7439630213807570979", "stream": True,
                                                   "stream_options": {"include_usage": True},
                                                   "messages": [{"role": "user", "content": "stream coze"}]},
                    stream=True) as resp:
        assert resp.status_code == 200
        chunks = _chunks(resp)
    assert _text(chunks) == "echo: stream coze"
    assert chunks[-1]["usage"]["completion_tokens"] == 3


def test_coze_reasoning_bot_thinking_is_reasoning_in_json_and_streams(world):
    cid = world.create_channel(34, "bot-reasoner", key="pat_test", base_url=world.emu.url)
    ask = {"model": "bot-reasoner", "messages": [{"role": "user", "content": "think first"}]}
    resp = world.post(cid, "/v1/chat/completions", ask)
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["reasoning_content"] == "Thinking about: think first"
    with world.post(cid, "/v1/chat/completions", {**ask, "stream": True}, stream=True) as streamed:
        chunks = _chunks(streamed)
    thought = "".join(c["choices"][0]["delta"].get("reasoning_content") or "" for c in chunks if c["choices"])
    assert (thought, _text(chunks)) == ("Thinking about: think first", "echo: think first")


def test_coze_bad_token_is_a_401_error(world):
    cid = world.create_channel(34, "bot-1", key="bad_token", base_url=world.emu.url)
    resp = world.post(cid, "/v1/chat/completions", {"model": "bot-1", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401
    assert "4100" in resp.json()["error"]["message"]


# ---- xAI images ----------------------------------------------------------------------------------------------

def test_xai_image_drops_fields_xai_refuses_and_bills_per_image(world):
    configs = json.dumps({"grok-2-image": {"image": {"price_per_image_usd": 0.07}}})
    cid = world.create_channel(45, "grok-2-image,grok-3", key="xai-test", base_url=world.emu.url)
    world.admin("PUT", "/api/channel/", {"id": cid, "model_configs": configs})
    world.emu.clear()
    resp = world.post(cid, "/v1/images/generations", {"model": "grok-2-image", "prompt": "a lighthouse", "n": 2,
                                                      "size": "1024x1024", "quality": "hd", "style": "vivid"})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["data"]) == 2
    sent = world.emu.last_request("/v1/images/generations")["json"]
    assert sent == {"model": "grok-2-image", "prompt": "a lighthouse", "n": 2}
    quota, *_ = world.log_row(resp.headers["X-Oneapi-Request-Id"])
    assert quota == 2 * 0.07 * 500000
    chat = world.post(cid, "/v1/chat/completions", {"model": "grok-3", "messages": [{"role": "user", "content": "yo"}]})
    assert chat.status_code == 200 and chat.json()["choices"][0]["message"]["content"] == "echo: yo"


def test_coze_oauth_app_key_is_traded_for_an_access_token_once(world):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.emulator.protocols import coze as emulated_coze
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    emulated_coze.PUBLIC_KEYS["kid-1"] = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    app_key = json.dumps({"client_type": "jwt", "client_id": "app-42", "public_key_id": "kid-1",
                          "private_key": private.private_bytes(serialization.Encoding.PEM,
                                                               serialization.PrivateFormat.PKCS8,
                                                               serialization.NoEncryption()).decode()})
    cid = world.create_channel(34, "bot-9", key=app_key, base_url=world.emu.url)
    world.emu.clear()
    for _ in range(2):
        resp = world.post(cid, "/v1/chat/completions", {"model": "bot-9", "stream": True,
                                                        "messages": [{"role": "user", "content": "via oauth"}]},
                          stream=True)
        assert resp.status_code == 200
        assert _text(_chunks(resp)) == "echo: via oauth"
    exchanges = world.emu.requests("/api/permission/oauth2/token")
    assert len(exchanges) == 1 and exchanges[0]["reply"]["client_id"] == "app-42"
    token = exchanges[0]["reply"]["token"]
    assert [r["headers"]["authorization"] for r in world.emu.requests("/v3/chat")] == [f"Bearer {token}"] * 2


def test_coze_oauth_with_an_unknown_key_is_refused(world):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app_key = json.dumps({"client_id": "app-43", "public_key_id": "never-registered",
                          "private_key": private.private_bytes(serialization.Encoding.PEM,
                                                               serialization.PrivateFormat.PKCS8,
                                                               serialization.NoEncryption()).decode()})
    cid = world.create_channel(34, "bot-9", key=app_key, base_url=world.emu.url)
    resp = world.post(cid, "/v1/chat/completions", {"model": "bot-9", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401 and "unknown public key id" in resp.json()["error"]["message"]


# ---- GitHub Copilot ------------------------------------------------------------------------------------------

def test_copilot_trades_the_github_token_once_and_sends_editor_headers(world):
    cid = world.create_channel(53, "gpt-4o,text-embedding-3-small", key="ghp_test", base_url=world.emu.url,
                               config=json.dumps({"github_api_base": world.emu.url}))
    world.emu.clear()
    for text in ("one", "two"):
        resp = world.post(cid, "/v1/chat/completions", {"model": "gpt-4o",
                                                        "messages": [{"role": "user", "content": text}]})
        assert resp.status_code == 200, resp.text
        assert resp.json()["choices"][0]["message"]["content"] == f"echo: {text}"
    claude = world.post(cid, "/v1/messages", {"model": "gpt-4o", "max_tokens": 50,
                                              "messages": [{"role": "user", "content": "three"}]})
    assert claude.status_code == 200 and claude.json()["content"][0]["text"] == "echo: three"
    emb = world.post(cid, "/v1/embeddings", {"model": "text-embedding-3-small", "input": "vector me"})
    assert emb.status_code == 200 and emb.json()["data"][0]["embedding"]
    exchanges = world.emu.requests("/copilot_internal/v2/token")
    assert len(exchanges) == 1 and exchanges[0]["headers"]["authorization"] == "token ghp_test"
    chats = world.emu.requests("/chat/completions")
    assert {r["headers"]["authorization"] for r in chats} == {"Bearer " + exchanges[0]["reply"]["token"]}
    assert chats[0]["headers"]["copilot-integration-id"] == "vscode-chat"


def test_copilot_with_a_revoked_github_token_is_a_401(world):
    cid = world.create_channel(53, "gpt-4o", key="bad_github", base_url=world.emu.url,
                               config=json.dumps({"github_api_base": world.emu.url}))
    resp = world.post(cid, "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401 and "Bad credentials" in resp.json()["error"]["message"]


def test_cohere_serves_responses_clients_streaming_and_embeddings(world, cohere):
    with world.post(cohere, "/v1/responses", {"model": "command-r", "input": "hello responses", "stream": True},
                    stream=True) as resp:
        assert resp.status_code == 200
        events = [json.loads(d) for d in sse_data(resp)]
    done = [e for e in events if e.get("type") == "response.completed"]
    assert done and done[0]["response"]["output"][0]["content"][0]["text"] == "echo: hello responses"
    assert done[0]["response"]["usage"]["output_tokens"] == 3
    world.emu.clear()
    emb = world.post(cohere, "/v1/embeddings", {"model": "command-r", "input": ["a b", "c"]})
    assert emb.status_code == 200, emb.text
    assert len(emb.json()["data"]) == 2
    assert world.emu.requests()[0]["api_path"] == "/compatibility/v1/embeddings"


def test_replicate_serves_claude_clients_streaming(world, replicate):
    with world.post(replicate, "/v1/messages", {"model": "meta/meta-llama-3-8b-instruct", "max_tokens": 64,
                                                "stream": True,
                                                "messages": [{"role": "user", "content": "claude via replicate"}]},
                    stream=True) as resp:
        assert resp.status_code == 200
        events = [json.loads(d) for d in sse_data(resp)]
    text = "".join(e["delta"].get("text", "") for e in events if e.get("type") == "content_block_delta")
    assert text == "echo: claude via replicate"
    assert events[-1]["type"] == "message_stop"
