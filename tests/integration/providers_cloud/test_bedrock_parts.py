"""Bedrock adaptor pieces without a gateway: credentials, model ids, the event-stream -> SSE re-framing (fed in
small pieces, exceptions included) and the Converse codec."""
from __future__ import annotations

import base64
import json

import pytest

from oneapi.relay.formats import ir
from oneapi.relay.providers import bedrock, bedrock_converse
from oneapi.relay.streaming import SSESplitter, parse_event
from tests.emulator.bedrock import event_frame


class Channel:
    type = 33
    base_url = ""
    other = ""

    def __init__(self, key="", config=None, arn_map=None):
        self.key = key
        self.config = json.dumps(config or {})
        self.inference_profile_arn_map = json.dumps(arn_map) if arn_map else None


def test_credentials_from_config_or_key():
    assert bedrock.credentials(Channel(config={"ak": "A", "sk": "S", "region": "eu-central-1"})) == \
        bedrock.Credentials("A", "S", "eu-central-1")
    assert bedrock.credentials(Channel(key="A2|S2|ap-northeast-1")) == bedrock.Credentials("A2", "S2", "ap-northeast-1")
    assert bedrock.credentials(Channel(key="A3|S3")).region == "us-east-1"


def test_model_ids_and_inference_profiles():
    plain = Channel()
    assert bedrock.model_id(plain, "claude-3-5-sonnet-20241022", "us-west-2") == \
        "anthropic.claude-3-5-sonnet-20241022-v2:0"  # served on demand: no profile
    assert bedrock.model_id(plain, "claude-3-7-sonnet-20250219", "us-west-2") == \
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
    assert bedrock.model_id(plain, "claude-opus-4-5-20251101", "ap-southeast-2") == \
        "apac.anthropic.claude-opus-4-5-20251101-v1:0"  # a dated name not in the table
    assert bedrock.model_id(plain, "llama3-70b-8192", "eu-west-1") == "meta.llama3-70b-instruct-v1:0"
    assert bedrock.model_id(plain, "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1") == \
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0"  # a profile id given as is
    mapped = Channel(arn_map={"claude-3-7-sonnet-20250219": "arn:aws:bedrock:us-east-1:1:inference-profile/x"})
    assert bedrock.model_id(mapped, "claude-3-7-sonnet-20250219", "us-east-1").startswith("arn:aws:bedrock:")
    target = bedrock.target(Channel(key="A|S|us-east-2"), "/v1/chat/completions", "nova-lite", True)
    assert target.url == "https://bedrock-runtime.us-east-2.amazonaws.com/model/us.amazon.nova-lite-v1%3A0/converse-stream"


def test_claude_body_for_invoke():
    body = json.loads(bedrock.prepare_body(Channel(), {"model": "claude-x", "stream": True, "max_tokens": 5,
                                                       "messages": []}, "claude-x", True))
    assert body == {"max_tokens": 5, "messages": [], "anthropic_version": "bedrock-2023-05-31"}


class FakeRaw:
    """A urllib3-like body handing out at most ``step`` bytes per read."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self.data, self.step, self.closed = data, step, False

    def read1(self, amt=65536, decode_content=True):
        out, self.data = self.data[:min(amt, self.step)], self.data[min(amt, self.step):]
        return out

    def close(self):
        self.closed = True


class FakeResponse:
    def __init__(self, data: bytes, url: str) -> None:
        self.raw = FakeRaw(data)
        self.url = url
        self.status_code = 200
        self.headers = {"Content-Type": bedrock.EVENT_STREAM}


def _events(resp) -> list[tuple[str | None, str]]:
    splitter, out = SSESplitter(), []
    while True:
        chunk = resp.raw.read1(65536)
        if not chunk:
            break
        out += [parse_event(e) for e in splitter.feed(chunk)]
    return out


def _frame(event_type, payload):
    return event_frame({":event-type": event_type, ":content-type": "application/json", ":message-type": "event"},
                       json.dumps(payload).encode())


def test_invoke_stream_chunks_become_anthropic_sse_and_exceptions_an_error_event():
    inner = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hé"}}
    data = _frame("chunk", {"bytes": base64.b64encode(json.dumps(inner).encode()).decode(), "p": "x"})
    data += event_frame({":exception-type": "throttlingException", ":content-type": "application/json",
                         ":message-type": "exception"}, b'{"message":"Too many requests"}')
    resp = bedrock.reframe(FakeResponse(data, "https://h/model/m/invoke-with-response-stream"))
    assert resp.headers["Content-Type"] == "text/event-stream"
    events = _events(resp)
    assert events[0] == ("content_block_delta", json.dumps(inner))
    name, payload = events[1]
    assert name == "error" and json.loads(payload) == {
        "type": "error", "error": {"type": "throttlingException", "message": "Too many requests"}}
    resp.raw.close()  # the wrapper hands close() (and the connection) to the real body
    assert resp.raw._raw.closed


def test_converse_stream_decodes_text_tools_and_usage():
    frames = [("messageStart", {"role": "assistant"}),
              ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}}),
              ("contentBlockStop", {"contentBlockIndex": 0}),
              ("contentBlockStart", {"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "t1", "name": "f"}}}),
              ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{\"a\":"}}}),
              ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": "1}"}}}),
              ("contentBlockStop", {"contentBlockIndex": 1}),
              ("messageStop", {"stopReason": "tool_use"}),
              ("metadata", {"usage": {"inputTokens": 9, "outputTokens": 4, "totalTokens": 13}})]
    resp = bedrock.reframe(FakeResponse(b"".join(_frame(n, p) for n, p in frames), "https://h/model/m/converse-stream"))
    decoder = bedrock_converse.StreamDecoder()
    events = [ev for name, data in _events(resp) for ev in decoder.feed(name, data)] + decoder.close()
    assert "".join(e.text for e in events if isinstance(e, ir.TextDelta)) == "Hi"
    start = next(e for e in events if isinstance(e, ir.PartStart) and e.kind == "tool_call")
    assert (start.tool_id, start.tool_name) == ("t1", "f")
    assert "".join(e.json for e in events if isinstance(e, ir.ToolArgsDelta)) == '{"a":1}'
    assert next(e for e in events if isinstance(e, ir.UsageEvent)).usage == ir.Usage(input=9, output=4)
    assert isinstance(events[-1], ir.Finish) and events[-1].reason == "tool_calls"


def test_converse_stream_cut_short_is_an_error():
    decoder = bedrock_converse.StreamDecoder()
    decoder.feed("contentBlockDelta", json.dumps({"contentBlockIndex": 0, "delta": {"text": "par"}}))
    assert isinstance(decoder.close()[-1], ir.ErrorEvent)


def test_converse_request_encoding():
    req = ir.Request(model="m", system=[ir.Text("sys")], max_tokens=10, temperature=0.5, stop=["END"],
                     tools=[ir.Tool("f", "does f", {"type": "object", "properties": {}})],
                     tool_choice=ir.ToolChoice("tool", "f"),
                     messages=[ir.Message("user", [ir.Text("look"), ir.Image(data="QUJD", media_type="image/jpeg")]),
                               ir.Message("assistant", [ir.ToolCall("c1", "f", '{"x":1}')]),
                               ir.Message("user", [ir.ToolResult("c1", [ir.Text("done")])])])
    body = bedrock_converse.encode_request(req)
    assert body["system"] == [{"text": "sys"}]
    assert body["inferenceConfig"] == {"maxTokens": 10, "temperature": 0.5, "stopSequences": ["END"]}
    assert body["toolConfig"]["toolChoice"] == {"tool": {"name": "f"}}
    assert body["messages"][0]["content"][1] == {"image": {"format": "jpeg", "source": {"bytes": "QUJD"}}}
    assert body["messages"][1]["content"][0]["toolUse"] == {"toolUseId": "c1", "name": "f", "input": {"x": 1}}
    assert body["messages"][2]["content"][0]["toolResult"]["toolUseId"] == "c1"
    structured = bedrock_converse.encode_request(ir.Request(model="m", messages=[ir.Message("user", [ir.Text("q")])],
                                                            response_format=ir.ResponseFormat("json_schema",
                                                                                              schema={"type": "object"})))
    assert structured["toolConfig"]["toolChoice"] == {"tool": {"name": bedrock_converse.STRUCTURED_TOOL}}
    answer = bedrock_converse.decode_response({"output": {"message": {"role": "assistant", "content": [
        {"toolUse": {"toolUseId": "s", "name": bedrock_converse.STRUCTURED_TOOL, "input": {"k": "v"}}}]}},
        "stopReason": "tool_use", "usage": {"inputTokens": 3, "outputTokens": 2}})
    assert answer.text == '{"k": "v"}' and answer.finish == "stop" and answer.usage.output == 2


@pytest.mark.parametrize("model", ["nova-pro", "claude-3-haiku-20240307"])
def test_converted_requests_get_remote_images_inlined(monkeypatch, model):
    from oneapi.relay import prepare as prep
    from oneapi.relay import user_content
    from oneapi.relay.request import RelayRequest

    fetched = []

    def fake_inline(ir_request, policy=None):  # the real one refuses loopback and needs the network
        for image in ir.iter_remote_images(ir_request):
            fetched.append(image.url)
            image.data, image.media_type = "UE5HREFUQQ==", "image/png"

    monkeypatch.setattr(user_content, "inline_remote_images", fake_inline)
    body = {"model": model, "max_tokens": 20, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]}]}
    rr = RelayRequest(mode="chat", path="/v1/chat/completions", method="POST", raw=json.dumps(body).encode(),
                      content_type="application/json", json=body, model=model)
    channel = Channel(key="AKID|SECRET|us-east-1")
    channel.system_prompt, channel.model_mapping, channel.id = "", "", 1
    prepared = prep.prepare(rr, channel, model)
    assert fetched == ["https://x.test/a.png"]
    sent = json.loads(prepared.data)["messages"][0]["content"][1]
    assert "UE5HREFUQQ==" in json.dumps(sent)
    assert prepared.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")


def test_missing_credentials_are_refused_before_any_call():
    from oneapi.relay.errors import RelayError
    with pytest.raises(RelayError) as caught:
        bedrock.sign(Channel(key="only-one-part"), "POST", "https://h/model/m/converse", {}, b"{}")
    assert caught.value.status == 401


def _converse_body(reasoning, model, **req) -> dict:
    """A Converse body as the adaptor sends it: encoded by the codec, then shaped for the model's family."""
    body = bedrock_converse.encode_request(ir.Request(model=model, reasoning=reasoning, messages=[
        ir.Message("user", [ir.Text("q")])], **req))
    bedrock_converse.fit_family(body, bedrock_converse.family(model))
    return body


def test_reasoning_reaches_each_family_in_its_own_field():
    claude = _converse_body(ir.Reasoning(budget_tokens=3000), "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                            max_tokens=1000, temperature=0.3, top_k=5)
    assert claude["additionalModelRequestFields"] == {"thinking": {"type": "enabled", "budget_tokens": 3000}}
    assert claude["inferenceConfig"] == {"maxTokens": 4000}  # above the budget, default sampling only
    assert _converse_body(ir.Reasoning(effort="xhigh"), "openai.gpt-oss-120b-1:0")[
        "additionalModelRequestFields"] == {"reasoning_effort": "high"}
    assert _converse_body(ir.Reasoning(effort="low"), "us.amazon.nova-2-lite-v1:0")[
        "additionalModelRequestFields"] == {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "low"}}
    for model in ("us.deepseek.r1-v1:0", "meta.llama3-70b-instruct-v1:0"):  # no switch: nothing is sent
        body = _converse_body(ir.Reasoning(effort="high"), model)
        assert "additionalModelRequestFields" not in body and bedrock_converse.REASONING_KEY not in body
    assert "additionalModelRequestFields" not in _converse_body(ir.Reasoning(effort="none"), "openai.gpt-oss-20b-1:0")
    forced = _converse_body(ir.Reasoning(effort="high"), "anthropic.claude-x", tools=[ir.Tool("f")],
                            tool_choice=ir.ToolChoice("tool", "f"))
    assert "additionalModelRequestFields" not in forced  # Claude refuses thinking beside a forced call


def test_reasoning_blocks_are_read_and_signed_ones_sent_back():
    answer = bedrock_converse.decode_response({"output": {"message": {"role": "assistant", "content": [
        {"reasoningContent": {"reasoningText": {"text": "hmm", "signature": "SIG"}}},
        {"reasoningContent": {"redactedContent": "UkVE"}},
        {"reasoningContent": {"reasoningText": {"text": "unsigned"}}}, {"text": "ok"}]}}, "stopReason": "end_turn"})
    thinking = [p for p in answer.parts if isinstance(p, ir.Thinking)]
    assert [(t.text, t.signature, t.redacted) for t in thinking] == [("hmm", "SIG", None), ("", None, "UkVE"),
                                                                     ("unsigned", None, None)]
    history = bedrock_converse.encode_request(ir.Request(model="m", messages=[
        ir.Message("user", [ir.Text("q")]), ir.Message("assistant", answer.parts), ir.Message("user", [ir.Text("r")])]))
    assert history["messages"][1]["content"] == [
        {"reasoningContent": {"reasoningText": {"text": "hmm", "signature": "SIG"}}},
        {"reasoningContent": {"redactedContent": "UkVE"}}, {"text": "ok"}]


def test_converse_stream_reasoning_deltas():
    decoder = bedrock_converse.StreamDecoder()
    events = []
    for name, payload in [("messageStart", {"role": "assistant"}),
                          ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "a"}}}),
                          ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "b"}}}),
                          ("contentBlockDelta", {"contentBlockIndex": 0,
                                                 "delta": {"reasoningContent": {"signature": "SIG"}}}),
                          ("contentBlockStop", {"contentBlockIndex": 0}),
                          ("contentBlockDelta", {"contentBlockIndex": 1,
                                                 "delta": {"reasoningContent": {"redactedContent": "UkVE"}}}),
                          ("contentBlockStop", {"contentBlockIndex": 1}),
                          ("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"text": "hi"}})]:
        events += decoder.feed(name, json.dumps(payload))
    assert "".join(e.text for e in events if isinstance(e, ir.ThinkingDelta)) == "ab"
    assert [e.signature for e in events if isinstance(e, ir.SignatureDelta)] == ["SIG"]
    redacted = next(e for e in events if isinstance(e, ir.PartStart) and e.kind == "redacted_thinking")
    assert redacted.data == "UkVE"
    assert [e.kind for e in events if isinstance(e, ir.PartStart)] == ["thinking", "redacted_thinking", "text"]


def test_claude_betas_keep_only_what_bedrock_accepts():
    from flask import Flask
    with Flask(__name__).test_request_context(headers={
            "anthropic-beta": "claude-code-20250219, interleaved-thinking-2025-05-14,context-1m-2025-08-07"}):
        body = json.loads(bedrock.prepare_body(Channel(), {"max_tokens": 5, "messages": [],
                                                           "anthropic_beta": ["context-1m-2025-08-07"]},
                                               "claude-x", False))
    assert body["anthropic_beta"] == ["context-1m-2025-08-07", "interleaved-thinking-2025-05-14"]
    plain = json.loads(bedrock.prepare_body(Channel(), {"max_tokens": 5, "messages": []}, "claude-x", False))
    assert "anthropic_beta" not in plain


@pytest.mark.parametrize(("model", "size", "expected"), [
    ("titan-image-generator-v2", "1792x1024", {"width": 1152, "height": 640}),
    ("titan-image-generator-v2", "1024x1024", {"width": 1024, "height": 1024}),
    ("nova-canvas", "1024x1792", {"width": 1024, "height": 1792}),
    ("nova-canvas", "256x256", {"width": 320, "height": 320}),
    ("nova-canvas", "4096x4096", {"width": 2048, "height": 2048})])
def test_image_sizes_fit_the_model(model, size, expected):
    from oneapi.relay.providers import bedrock_images
    config = bedrock_images.request_body({"prompt": "p", "size": size}, model)["imageGenerationConfig"]
    assert {k: config[k] for k in ("width", "height")} == expected


def test_stability_body_and_single_image():
    from oneapi.relay.errors import RelayError
    from oneapi.relay.providers import bedrock_images
    assert bedrock_images.request_body({"prompt": "p", "size": "1792x1024"}, "stable-image-core") == {
        "prompt": "p", "aspect_ratio": "16:9", "output_format": "png"}
    with pytest.raises(RelayError):
        bedrock_images.request_body({"prompt": "p", "n": 2}, "sd3.5-large")


@pytest.mark.parametrize(("model_id", "fields"), [
    ("openai.gpt-oss-120b-1:0", {"thinking": {"type": "enabled", "budget_tokens": 2048}}),
    ("openai.gpt-oss-120b-1:0", {"reasoning_effort": "xhigh"}),
    ("us.deepseek.r1-v1:0", {"reasoning_effort": "high"}),
    ("us.amazon.nova-pro-v1:0", {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "low"}}),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", {"thinking": {"type": "enabled", "budget_tokens": 512}}),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", {"reasoning_effort": "high"})])
def test_emulator_refuses_reasoning_fields_the_family_does_not_take(model_id, fields):
    from tests.emulator import bedrock as emu_bedrock
    with pytest.raises(emu_bedrock.AwsError):
        emu_bedrock.wants_reasoning({"additionalModelRequestFields": fields}, model_id)


@pytest.mark.parametrize(("model", "expected"), [
    ("anthropic.claude-3-haiku-20240307-v1:0", {"top_k": 7}), ("mistral.mistral-large-2402-v1:0", {"top_k": 7}),
    ("us.amazon.nova-pro-v1:0", {"inferenceConfig": {"topK": 7}}), ("meta.llama3-70b-instruct-v1:0", None),
    ("openai.gpt-oss-20b-1:0", None)])
def test_top_k_goes_where_the_family_takes_it(model, expected):
    assert _converse_body(None, model, top_k=7).get("additionalModelRequestFields") == expected


@pytest.mark.parametrize(("model_id", "fields"), [
    ("meta.llama3-70b-instruct-v1:0", {"top_k": 5}), ("us.amazon.nova-pro-v1:0", {"top_k": 5}),
    ("us.amazon.nova-pro-v1:0", {"inferenceConfig": {"topP": 1}})])
def test_emulator_refuses_top_k_where_bedrock_does(model_id, fields):
    from tests.emulator import bedrock as emu_bedrock
    with pytest.raises(emu_bedrock.AwsError):
        emu_bedrock.wants_reasoning({"additionalModelRequestFields": fields}, model_id)
    assert emu_bedrock.wants_reasoning({"additionalModelRequestFields": {"inferenceConfig": {"topK": 5}}},
                                       "us.amazon.nova-pro-v1:0") is False
