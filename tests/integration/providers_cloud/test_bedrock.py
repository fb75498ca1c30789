"""AWS Bedrock (type 33) through a real gunicorn gateway and the emulator: SigV4 signing (recomputed here with
an independent implementation), Claude over InvokeModel, other families over Converse, JSON and binary
event-stream answers, tools, a Claude-Messages client, model ids, inference profiles and the ARN map."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.emulator import bedrock as emu_bedrock
from tests.integration.providers_cloud.conftest import chat_stream_text, sse_events

CLAUDE = "claude-3-haiku-20240307"
CLAUDE_ID = "anthropic.claude-3-haiku-20240307-v1:0"
NOVA = "nova-pro"
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                 "parameters": {"type": "object", "required": ["city"],
                                                                "properties": {"city": {"type": "string"}}}}}


@pytest.fixture(scope="module")
def channels(world):
    return {"claude": world.bedrock_channel(CLAUDE), "nova": world.bedrock_channel(NOVA)}


def _signature_ok(record, secret=emu_bedrock.SECRET_KEY, raw_path=None) -> bool:
    try:
        emu_bedrock.verify_sigv4("POST", raw_path or quote(record["path"], safe="/-_.~"), "", record["headers"],
                                 record["raw"].encode(), {emu_bedrock.ACCESS_KEY: secret})
        return True
    except emu_bedrock.AwsError:
        return False


def test_claude_chat_json_is_signed_invoke_with_bedrock_body(world, emu, channels):
    resp = world.post(channels["claude"], "/v1/chat/completions",
                      {"model": CLAUDE, "messages": [{"role": "system", "content": "be brief"},
                                                     {"role": "user", "content": "hello bedrock"}]})
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert answer["choices"][0]["message"]["content"] == "echo: hello bedrock"
    record = emu.last_request()
    assert record["path"] == f"/model/{CLAUDE_ID}/invoke" and record["status"] == 200
    body = record["json"]
    assert body["anthropic_version"] == "bedrock-2023-05-31" and "model" not in body and "stream" not in body
    assert body["system"] == "be brief" and body["max_tokens"] > 0
    auth = record["headers"]["authorization"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={emu_bedrock.ACCESS_KEY}/") and "/us-east-1/bedrock/" in auth
    assert _signature_ok(record)
    assert not _signature_ok(record, secret="another-secret")  # the check can fail
    reply = record["reply"]
    assert answer["usage"]["prompt_tokens"] == reply["input_tokens"]
    quota, prompt, completion, model, channel = world.log_row(resp.headers["X-Oneapi-Request-Id"])
    assert (prompt, completion, model, channel) == (reply["input_tokens"], reply["output_tokens"], CLAUDE,
                                                    channels["claude"])


def test_claude_chat_stream_decodes_the_binary_event_stream(world, emu, channels):
    resp = world.post(channels["claude"], "/v1/chat/completions",
                      {"model": CLAUDE, "stream": True, "stream_options": {"include_usage": True},
                       "messages": [{"role": "user", "content": "stream me some words"}]}, stream=True)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
    text, _, usage = chat_stream_text(resp)
    record = emu.last_request()
    assert record["path"] == f"/model/{CLAUDE_ID}/invoke-with-response-stream" and _signature_ok(record)
    assert text == "echo: stream me some words"
    assert usage["completion_tokens"] == record["reply"]["output_tokens"]


def test_claude_messages_client_native_and_streamed(world, emu, channels):
    body = {"model": CLAUDE, "max_tokens": 64, "messages": [{"role": "user", "content": "native claude"}]}
    resp = world.post(channels["claude"], "/v1/messages", body)
    assert resp.status_code == 200, resp.text
    message = resp.json()
    assert message["type"] == "message" and message["content"][0]["text"] == "echo: native claude"
    assert "model" not in emu.last_request()["json"]
    resp = world.post(channels["claude"], "/v1/messages", {**body, "stream": True}, stream=True)
    events = sse_events(resp)
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    text = "".join(json.loads(data)["delta"].get("text", "") for name, data in events
                   if name == "content_block_delta")
    assert text == "echo: native claude"
    assert _signature_ok(emu.last_request())


def test_claude_tools_round_trip_through_invoke(world, emu, channels):
    first = world.post(channels["claude"], "/v1/chat/completions",
                       {"model": CLAUDE, "tools": [WEATHER_TOOL], "tool_choice": "required",
                        "messages": [{"role": "user", "content": "weather in Paris"}]})
    call = first.json()["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather" and emu.last_request()["json"]["tools"][0]["name"] == "get_weather"
    second = world.post(channels["claude"], "/v1/chat/completions",
                        {"model": CLAUDE, "tools": [WEATHER_TOOL], "messages": [
                            {"role": "user", "content": "weather in Paris"},
                            {"role": "assistant", "content": None, "tool_calls": [call]},
                            {"role": "tool", "tool_call_id": call["id"], "content": "sunny"}]})
    assert second.json()["choices"][0]["message"]["content"] == "tool result: sunny"


def test_converse_chat_json_and_stream(world, emu, channels):
    resp = world.post(channels["nova"], "/v1/chat/completions",
                      {"model": NOVA, "max_tokens": 50, "messages": [{"role": "user", "content": "hi nova"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "echo: hi nova"
    record = emu.last_request()
    assert record["path"] == "/model/us.amazon.nova-pro-v1:0/converse" and _signature_ok(record)
    assert record["json"]["messages"] == [{"role": "user", "content": [{"text": "hi nova"}]}]
    assert record["json"]["inferenceConfig"]["maxTokens"] == 50
    assert resp.json()["usage"]["completion_tokens"] == record["reply"]["output_tokens"]

    resp = world.post(channels["nova"], "/v1/chat/completions",
                      {"model": NOVA, "stream": True, "stream_options": {"include_usage": True},
                       "messages": [{"role": "user", "content": "stream nova please"}]}, stream=True)
    text, _, usage = chat_stream_text(resp)
    record = emu.last_request()
    assert record["path"] == "/model/us.amazon.nova-pro-v1:0/converse-stream"
    assert text == "echo: stream nova please"
    assert usage["prompt_tokens"] == record["reply"]["input_tokens"]


def test_converse_tools_streamed_and_answered(world, emu, channels):
    resp = world.post(channels["nova"], "/v1/chat/completions",
                      {"model": NOVA, "stream": True, "tools": [WEATHER_TOOL],
                       "messages": [{"role": "user", "content": "what is the weather in Oslo"}]}, stream=True)
    _, calls, _ = chat_stream_text(resp)
    sent = emu.last_request()["json"]["toolConfig"]["tools"][0]["toolSpec"]
    assert sent["name"] == "get_weather" and sent["inputSchema"]["json"]["required"] == ["city"]
    assert calls and calls[0]["function"]["name"] == "get_weather"
    call_id = calls[0]["id"]
    arguments = "".join(c["function"].get("arguments") or "" for c in calls)
    assert "city" in json.loads(arguments)
    resp = world.post(channels["nova"], "/v1/chat/completions", {"model": NOVA, "tools": [WEATHER_TOOL], "messages": [
        {"role": "user", "content": "what is the weather in Oslo"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": call_id, "content": "rainy"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "tool result: rainy"


def test_claude_messages_client_on_converse_model(world, emu, channels):
    resp = world.post(channels["nova"], "/v1/messages",
                      {"model": NOVA, "max_tokens": 40, "messages": [{"role": "user", "content": "claude client"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["content"][0]["text"] == "echo: claude client"
    assert emu.last_request()["path"].endswith("/converse")


def test_model_ids_profiles_and_arn_map(world, emu):
    sonnet = "claude-sonnet-4-5-20250929"
    eu = world.bedrock_channel(sonnet, region="eu-west-1")
    resp = world.post(eu, "/v1/chat/completions", {"model": sonnet, "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, resp.text
    record = emu.last_request()
    assert record["path"] == f"/model/eu.anthropic.{sonnet}-v1:0/invoke"
    assert "/eu-west-1/bedrock/" in record["headers"]["authorization"] and _signature_ok(record)

    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/emu42"
    mapped = world.bedrock_channel(sonnet, inference_profile_arn_map=json.dumps({sonnet: arn}))
    resp = world.post(mapped, "/v1/chat/completions", {"model": sonnet, "messages": [{"role": "user", "content": "y"}]})
    assert resp.status_code == 200, resp.text
    record = emu.last_request()
    assert record["path"] == f"/model/{arn}/invoke"
    assert _signature_ok(record, raw_path=f"/model/{quote(arn, safe='')}/invoke")


def test_wrong_secret_is_rejected_by_signature_check(world, emu):
    channel = world.bedrock_channel(CLAUDE, secret="not-the-secret")
    resp = world.post(channel, "/v1/chat/completions", {"model": CLAUDE, "messages": [{"role": "user", "content": "z"}]})
    assert resp.status_code == 403
    assert "signature" in resp.json()["error"]["message"]
    assert emu.last_request()["status"] == 403


def test_channel_test_endpoint_signs_and_reads_the_answer(world, emu, channels):
    import requests
    from tests.integration.providers_cloud.conftest import ROOT_ACCESS_TOKEN
    for name in ("claude", "nova"):
        resp = requests.get(f"{world.url}/api/channel/test/{channels[name]}", timeout=30,
                            headers={"Authorization": ROOT_ACCESS_TOKEN})
        assert resp.json()["success"] is True, resp.text
        assert _signature_ok(emu.last_request())


@pytest.mark.parametrize("model", [CLAUDE, NOVA])
def test_exception_mid_stream_reaches_the_client_as_an_error(world, emu, model):
    channel = world.bedrock_channel(model, base_url=world.emu.scenario_url("streamerror"))
    resp = world.post(channel, "/v1/chat/completions", {"model": model, "stream": True, "messages": [
        {"role": "user", "content": "a fairly long prompt so the stream has many events"}]}, stream=True)
    assert resp.status_code == 200
    chunks = [json.loads(data) for _, data in sse_events(resp) if data != "[DONE]"]
    assert "error" in chunks[-1], chunks[-1]
    record = emu.last_request()
    assert record["path"].startswith("/s/streamerror/model/") and _signature_ok(record)  # the prefix is signed too


def test_embeddings_titan_and_cohere(world, emu):
    titan = world.bedrock_channel("titan-embed-text-v2")
    resp = world.post(titan, "/v1/embeddings", {"model": "titan-embed-text-v2", "input": "embed these words",
                                                "dimensions": 256})
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert len(answer["data"][0]["embedding"]) == 256 and answer["usage"]["prompt_tokens"] == 3
    record = emu.last_request()
    assert record["path"] == "/model/amazon.titan-embed-text-v2:0/invoke" and _signature_ok(record)
    assert record["json"] == {"inputText": "embed these words", "dimensions": 256}
    assert world.log_row(resp.headers["X-Oneapi-Request-Id"])[1] == 3

    cohere = world.bedrock_channel("cohere.embed-english-v3")
    resp = world.post(cohere, "/v1/embeddings", {"model": "cohere.embed-english-v3", "input": ["a b", "c"]})
    assert resp.status_code == 200, resp.text
    assert [d["index"] for d in resp.json()["data"]] == [0, 1]
    assert emu.last_request()["json"] == {"texts": ["a b", "c"], "input_type": "search_document"}
