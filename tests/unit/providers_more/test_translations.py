"""The native adaptors' translations and URL rules, without a network."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from oneapi.relay import providers
from oneapi.relay.formats import ir
from oneapi.relay.providers import chat_bridge, cohere, coze, legacy, replicate


def channel(type_id, key="k", base_url="", config=""):
    return SimpleNamespace(type=type_id, key=key, base_url=base_url, config=config, other="")


# ---- Cohere ----------------------------------------------------------------------------------------------------

def test_cohere_request_renames_and_narrows_a_named_tool_choice():
    body = {"model": "command-r", "top_p": 0.9, "top_k": 5, "max_completion_tokens": 9, "stop": ["a", "b"],
            "messages": [{"role": "developer", "content": "sys"},
                         {"role": "user", "content": [{"type": "text", "text": "hi "}, {"type": "text", "text": "x"}]}],
            "tools": [{"type": "function", "function": {"name": "a", "parameters": {}, "strict": True}},
                      {"type": "function", "function": {"name": "b", "parameters": {}}}],
            "tool_choice": {"type": "function", "function": {"name": "b"}},
            "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "object"}}}}
    out = cohere.chat_to_cohere(body)
    assert out["messages"] == [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi x"}]
    assert (out["p"], out["k"], out["max_tokens"], out["stop_sequences"]) == (0.9, 5, 9, ["a", "b"])
    assert [t["function"]["name"] for t in out["tools"]] == ["b"] and out["tool_choice"] == "REQUIRED"
    assert "strict" not in json.dumps(out["tools"])
    assert out["response_format"] == {"type": "json_object", "json_schema": {"type": "object"}}
    assert "stream" not in out and "top_p" not in out


def test_cohere_answer_with_a_tool_plan_and_calls():
    answer = {"id": "c1", "finish_reason": "TOOL_CALL", "usage": {"billed_units": {"input_tokens": 7,
                                                                                     "output_tokens": 3},
                                                                   "tokens": {"input_tokens": 207, "output_tokens": 3}},
              "message": {"role": "assistant", "tool_plan": "I will look",
                          "tool_calls": [{"id": "t1", "type": "function",
                                          "function": {"name": "f", "arguments": "{\"x\":1}"}}]}}
    resp = cohere.CODECS["cohere"].decode_response(answer)
    assert resp.finish == "tool_calls" and resp.tool_calls[0].name == "f" and resp.tool_calls[0].arguments == '{"x":1}'
    assert any(isinstance(p, ir.Thinking) and p.text == "I will look" for p in resp.parts)
    assert (resp.usage.input, resp.usage.output) == (7, 3)
    cut = cohere.cohere_to_chat({"finish_reason": "MAX_TOKENS", "message": {"content": [{"type": "text",
                                                                                          "text": "ab"}]}})
    assert cut["choices"][0]["finish_reason"] == "length" and cut["choices"][0]["message"]["content"] == "ab"


def test_cohere_stream_events_become_ir_events():
    decoder = cohere.CODECS["cohere"].StreamDecoder()
    events = []
    for ev in ({"type": "message-start", "id": "m1", "delta": {"message": {"role": "assistant"}}},
               {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "text", "text": ""}}}},
               {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "Hel"}}}},
               {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "lo"}}}},
               {"type": "content-end", "index": 0},
               {"type": "message-end", "delta": {"finish_reason": "MAX_TOKENS",
                                                 "usage": {"billed_units": {"input_tokens": 4, "output_tokens": 2}}}}):
        events += decoder.feed(ev["type"], json.dumps(ev))
    events += decoder.close()
    assert "".join(e.text for e in events if isinstance(e, ir.TextDelta)) == "Hello"
    assert [e.reason for e in events if isinstance(e, ir.Finish)] == ["length"]
    assert [(e.usage.input, e.usage.output) for e in events if isinstance(e, ir.UsageEvent)] == [(4, 2)]
    assert not [e for e in events if isinstance(e, ir.ErrorEvent)]


def test_cohere_stream_cut_before_message_end_is_an_error():
    decoder = cohere.CODECS["cohere"].StreamDecoder()
    delta = {"type": "content-delta", "delta": {"message": {"content": {"text": "x"}}}}
    decoder.feed("content-delta", json.dumps(delta))
    assert any(isinstance(e, ir.ErrorEvent) for e in decoder.close())


def test_cohere_thinking_only_for_reasoning_models_and_thinking_blocks_become_reasoning():
    ask = {"messages": [{"role": "user", "content": [{"type": "text", "text": "look"}, {"type": "image_url",
                                                       "image_url": {"url": "https://x/a.png", "detail": "low"}}]}]}
    assert cohere.chat_to_cohere({**ask, "model": "command-a-reasoning-08-2025", "reasoning_effort": "none"})[
        "thinking"] == {"type": "disabled"}
    assert cohere.chat_to_cohere({**ask, "model": "command-a-reasoning-08-2025", "reasoning_effort": "low"})[
        "thinking"] == {"type": "enabled"}
    out = cohere.chat_to_cohere({**ask, "model": "command-a-vision-07-2025", "reasoning_effort": "low"})
    assert "thinking" not in out
    assert out["messages"][0]["content"][1] == {"type": "image_url",
                                                "image_url": {"url": "https://x/a.png", "detail": "low"}}
    answer = cohere.cohere_to_chat({"message": {"content": [{"type": "thinking", "thinking": "hmm"},
                                                            {"type": "text", "text": "yes"}]}})
    assert answer["choices"][0]["message"] == {"role": "assistant", "content": "yes", "reasoning_content": "hmm"}
    decoder = cohere.StreamTranslator()
    piece = decoder.feed("content-delta", json.dumps({"type": "content-delta", "delta": {"message": {
        "content": {"thinking": "hm"}}}}))
    assert piece[0]["choices"][0]["delta"] == {"reasoning_content": "hm"}


def test_cohere_targets_and_rerank_documents():
    ch = channel(35, key="co", base_url="")
    assert cohere.target(ch, "/v1/chat/completions", "m", False).url == "https://api.cohere.ai/v2/chat"
    assert cohere.target(ch, "/v1/messages", "m", True).url == "https://api.cohere.ai/v2/chat"
    assert cohere.target(ch, "/v1/rerank", "m", False).url == "https://api.cohere.ai/v2/rerank"
    assert cohere.target(ch, "/v1/embeddings", "m", False).url == \
        "https://api.cohere.ai/compatibility/v1/embeddings"
    assert cohere.body_format("m", "audio_speech") is None
    body = json.loads(cohere.prepare_body(ch, {"model": "r", "query": "q", "documents": [{"text": "a"}, "b"]},
                                          "r", False))
    assert body["documents"] == ["a", "b"]


# ---- Replicate -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("base", ["", "https://api.replicate.com/v1/models/", "https://api.replicate.com/v1",
                                  "https://api.replicate.com/"])
def test_replicate_base_url_forms(base):
    target = replicate.target(channel(46, base_url=base), "/v1/chat/completions", "meta/llama", False)
    assert target.url == "https://api.replicate.com/v1/models/meta/llama/predictions#chat"
    assert target.headers["Prefer"] == "wait"
    assert "Prefer" not in replicate.target(channel(46), "/v1/chat/completions", "meta/llama", True).headers


def test_replicate_versioned_model_runs_at_predictions_with_its_version():
    model = "yorickvp/llava-13b:80537f9eead1a5bfa72d5ac6ea6414379be41d4d4f6679fd776e9535d1eb58bb"
    assert replicate.target(channel(46), "/v1/chat/completions", model, False).url == \
        "https://api.replicate.com/v1/predictions#chat"
    sent = json.loads(replicate.prepare_body(channel(46), {"prompt": "fox"}, model, False))
    assert sent == {"input": {"prompt": "fox"}, "version": model}


def test_replicate_prompt_from_a_conversation():
    body = {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "a"},
                         {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}],
            "max_tokens": 5, "stop": "END", "stream": True}
    out = replicate.chat_to_prediction(body)
    assert out == {"input": {"prompt": "User: a\nAssistant: b\nUser: c\nAssistant:", "system_prompt": "S",
                             "max_tokens": 5, "max_new_tokens": 5, "stop_sequences": "END"}, "stream": True}


def test_replicate_images_and_outputs():
    assert replicate.aspect_ratio("1024x1024") == "1:1" and replicate.aspect_ratio("1792x1024") == "7:4"
    assert replicate.aspect_ratio("auto") is None
    assert replicate.images_to_prediction({"prompt": "p", "n": 1}) == {"input": {"prompt": "p"}}
    images = replicate.prediction_to_images({"output": ["https://x/1.png", "data:image/png;base64,QUJD"]})
    assert images["data"] == [{"url": "https://x/1.png"}, {"b64_json": "QUJD"}]
    assert replicate.prediction_to_images({"output": "https://x/one.webp"})["data"] == [{"url": "https://x/one.webp"}]


def test_replicate_refuses_what_a_prediction_cannot_carry():
    base = {"model": "meta/llama", "messages": [{"role": "user", "content": "hi"}]}
    tool = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    for extra, param in (({"tools": tool}, "tools"), ({"response_format": {"type": "json_object"}}, "response_format")):
        with pytest.raises(chat_bridge.RelayError) as refused:
            replicate.chat_to_prediction({**base, **extra})
        assert (refused.value.status, refused.value.param) == (400, param)
    assert replicate.chat_to_prediction({**base, "tools": tool, "tool_choice": "none"})["input"]["prompt"] == "hi"


def test_replicate_images_go_to_the_input_the_channel_config_names():
    body = replicate.chat_to_prediction({"messages": [{"role": "user", "content": [
        {"type": "text", "text": "see"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,QQ=="}}]}]})
    assert body["images"] == ["data:image/png;base64,QQ=="] and body["input"]["prompt"] == "see"
    listed = channel(46, config=json.dumps({"image_inputs": {"m": ["image_input"]}}))
    sent = json.loads(replicate.prepare_body(listed, body, "m", False))
    assert sent == {"input": {"prompt": "see", "image_input": ["data:image/png;base64,QQ=="]}, "stream": False}
    with pytest.raises(chat_bridge.RelayError) as unnamed:
        replicate.image_input(channel(46), "m", ["https://x/a.png"])
    assert unnamed.value.status == 400 and "channel config must name it (image_inputs)" in unnamed.value.message
    single = channel(46, config=json.dumps({"image_inputs": {"m": "image"}}))
    assert replicate.image_input(single, "m", ["https://x/a.png"]) == {"image": "https://x/a.png"}
    with pytest.raises(chat_bridge.RelayError):
        replicate.image_input(single, "m", ["https://x/a.png", "https://x/b.png"])


class _Raw:
    def __init__(self, *chunks):
        self.chunks = list(chunks)

    def read1(self, amt, decode_content=True):
        return self.chunks.pop(0) if self.chunks else b""


def test_replicate_stream_done_event_gets_the_predictions_token_counts(monkeypatch):
    fetched = []

    def fetch(method, url, headers, stream=False):
        fetched.append((url, headers))
        return SimpleNamespace(json=lambda: {"metrics": {"input_token_count": 4, "output_token_count": 2}})
    monkeypatch.setattr(chat_bridge, "fetch", fetch)
    raw = replicate._UsageOnDone(_Raw(b"event: output\r\ndata: he", b"llo\r\n\r\nevent: done\r\n",
                                      b"data: {}\r\n\r\n"), "https://r/p/1", {"Authorization": "Bearer k"})
    body = b"".join(iter(lambda: raw.read1(65536), b""))
    assert body == b'event: output\ndata: hello\n\nevent: done\ndata: {"usage":' \
                   b'{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}\n\n'
    assert fetched == [("https://r/p/1", {"Authorization": "Bearer k"})]
    events = []
    decoder = replicate.CODECS["replicate"].StreamDecoder()
    for block in body.split(b"\n\n")[:-1]:
        event, data = block.decode().split("\n")
        events += decoder.feed(event[7:], data[6:])
    assert [(e.usage.input, e.usage.output) for e in events if isinstance(e, ir.UsageEvent)] == [(4, 2)]


def test_replicate_stream_error_event_becomes_an_error():
    decoder = replicate.CODECS["replicate"].StreamDecoder()
    events = decoder.feed("output", "partial") + decoder.feed("error", "model crashed")
    events += decoder.close()
    assert "".join(e.text for e in events if isinstance(e, ir.TextDelta)) == "partial"
    assert any(isinstance(e, ir.ErrorEvent) and "model crashed" in e.message for e in events)


# ---- Coze, xAI, legacy, vendor rows ---------------------------------------------------------------------------

def test_coze_refuses_tools_and_schemas_and_sends_images_as_object_strings():
    with pytest.raises(chat_bridge.RelayError) as refused:
        coze.chat_to_coze({"model": "bot-1", "tools": [{"type": "function", "function": {"name": "f"}}],
                           "messages": [{"role": "user", "content": "x"}]})
    assert refused.value.param == "tools"
    out = coze.chat_to_coze({"model": "bot-1", "messages": [
        {"role": "system", "content": "S"},
        {"role": "user", "content": [{"type": "text", "text": "see"},
                                     {"type": "image_url", "image_url": {"url": "https://x/a.png"}}]}]})
    msg = out["additional_messages"][0]
    assert msg["content_type"] == "object_string"
    assert json.loads(msg["content"]) == [{"type": "text", "text": "S\n\nsee"},
                                          {"type": "image", "file_url": "https://x/a.png"}]


def test_coze_request_and_answer():
    out = coze.chat_to_coze({"model": "bot-99", "stream": True, "messages": [
        {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]})
    assert out["bot_id"] == "99" and out["stream"] is True and out["auto_save_history"] is False
    assert [m["role"] for m in out["additional_messages"]] == ["user", "assistant", "user"]
    assert coze.bot_id("7439") == "7439"
    answer = coze.coze_to_chat({"chat": {"id": "c", "usage": {"token_count": 10, "output_count": 4,
                                                              "input_count": 6}},
                                "messages": [{"role": "assistant", "type": "verbose", "content": "{}"},
                                             {"role": "assistant", "type": "answer", "content": "yes"}]})
    assert answer["choices"][0]["message"]["content"] == "yes"
    assert answer["usage"]["prompt_tokens"] == 6 and answer["usage"]["completion_tokens"] == 4
    body = json.loads(coze.prepare_body(channel(34, config='{"user_id": "u7"}'), out, "bot-99", True))
    assert body["user_id"] == "u7"


def test_xai_images_drop_size_quality_style_but_chat_is_untouched():
    from oneapi.relay.providers.openai_compatible import drop_refused_fields
    image = {"model": "grok-2-image", "prompt": "p", "size": "1x1", "quality": "hd", "style": "vivid", "n": 1}
    assert drop_refused_fields(image, "images", 45)
    assert image == {"model": "grok-2-image", "prompt": "p", "n": 1}
    chat = {"model": "grok-3", "messages": [], "size": "kept"}
    assert not drop_refused_fields(chat, "chat", 45) and chat["size"] == "kept"
    openai_image = {"model": "dall-e-3", "prompt": "p", "size": "1024x1024"}
    assert not drop_refused_fields(openai_image, "images", 1) and openai_image["size"] == "1024x1024"


def test_legacy_types_are_native_and_refused():
    assert set(legacy.TYPES) == {11, 15, 18, 21, 38}
    for type_id in legacy.TYPES:
        assert providers.protocol_of(type_id) == "native"
    from oneapi.relay.errors import RelayError
    with pytest.raises(RelayError) as err:
        providers.target(channel(18), "/v1/chat/completions", "Spark-Max")
    assert err.value.status == 400 and "use type 48" in err.value.message


def test_vendor_rows_minimax_path_and_cloudflare_gateway():
    assert providers.target(channel(27), "/v1/chat/completions", "abab").url == \
        "https://api.minimaxi.com/v1/text/chatcompletion_v2"
    gateway = "https://gateway.ai.cloudflare.com/v1/acc1/gw1/workers-ai"
    cf = providers.target(channel(37, base_url=gateway, config='{"user_id": "acc1"}'), "/v1/chat/completions", "m")
    assert cf.url == gateway + "/v1/chat/completions"
    openai_gw = providers.target(channel(1, base_url="https://gateway.ai.cloudflare.com/v1/a/g/openai"),
                                 "/v1/chat/completions", "m")
    assert openai_gw.url == "https://gateway.ai.cloudflare.com/v1/a/g/openai/chat/completions"


def test_synthetic_response_reads_like_an_upstream_answer():
    resp = chat_bridge.synthetic_response(200, b"data: x\n\n", "text/event-stream")
    assert resp.headers["Content-Type"] == "text/event-stream"
    assert resp.raw.read1(3, decode_content=True) == b"dat" and resp.raw.read1(100) == b"a: x\n\n"
    assert chat_bridge.fragment("https://h/p?q=1#images") == "images" and chat_bridge.fragment("https://h/p") == ""


def test_bfl_is_chosen_by_host_or_config_and_sizes_snap_to_32():
    from oneapi.relay.providers import bfl
    assert bfl.is_bfl(channel(46, base_url="https://api.us1.bfl.ai"), {})
    assert bfl.is_bfl(channel(46, base_url="https://api.bfl.ml/v1"), {})
    assert bfl.is_bfl(channel(46, base_url="http://127.0.0.1:9"), {"api_format": "BFL"})
    assert not bfl.is_bfl(channel(46, base_url="https://api.replicate.com/v1/models/"), {})
    assert not bfl.is_bfl(channel(46, base_url="https://notbfl.ai.example"), {})
    target = replicate.target(channel(46, key="xk", base_url="https://api.bfl.ai/v1"), "/v1/images/generations",
                              "flux-dev", False)
    assert target.url == "https://api.bfl.ai/v1/flux-dev#bfl" and target.headers["x-key"] == "xk"
    assert bfl.job_body({"prompt": "p", "size": "1023x700", "output_format": "png"}, "flux-dev") == \
        {"prompt": "p", "width": 992, "height": 672, "output_format": "png"}
    assert bfl.job_body({"prompt": "p", "size": "1792x1024"}, "flux-pro-1.1-ultra") == \
        {"prompt": "p", "aspect_ratio": "7:4"}


def test_a_generated_image_in_a_gemini_stream_reaches_chat_and_is_passed_by_elsewhere():
    from oneapi.relay.formats import CODECS, assemble
    chunk1 = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Here"}]}}]}
    chunk2 = {"candidates": [{"content": {"role": "model", "parts": [{"inlineData": {"mimeType": "image/png",
                                                                                     "data": "QUJD"}}]},
                              "finishReason": "STOP"}],
              "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1290, "totalTokenCount": 1293}}
    decoder = CODECS["gemini"].StreamDecoder()
    events = decoder.feed(None, json.dumps(chunk1)) + decoder.feed(None, json.dumps(chunk2)) + decoder.close()
    assert [e for e in events if isinstance(e, ir.ImageOutput)] == [ir.ImageOutput("QUJD", "image/png")]
    req = ir.Request(model="m")
    chat_out = b"".join(CODECS["chat"].StreamEncoder(req, "id", 0).feed(e) for e in events)
    assert b'"images":[{"type":"image_url","image_url":{"url":"data:image/png;base64,QUJD"}}]' in chat_out
    for fmt in ("claude", "responses"):  # no image in their stream grammar: passed by, the rest intact
        encoder = CODECS[fmt].StreamEncoder(req, "id", 0)
        out = b"".join(encoder.feed(e) for e in events) + encoder.finish()
        assert b"Here" in out and b"QUJD" not in out
    folded = assemble.assemble(events)
    assert any(isinstance(p, ir.Image) and p.data == "QUJD" for p in folded.parts) and folded.text == "Here"
