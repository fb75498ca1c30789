"""The conversion matrix (every variant of ``oneapi.tools.matrix_judge``: Chat, Responses and Claude clients, stream
or not, tools, structured output, vision...) on the native columns: Cohere (text, vision and reasoning models),
Replicate language models (text only, and one whose image input the channel names) and a Coze bot, through a
real gateway against the provider emulator.

Every cell must pass the strict judge, except the ones listed in ``EXCEPTIONS``: things the provider cannot do.
Those must fail the way a user would expect, with a 400 in the client's own error format that says why, and never
pass silently (a dropped tool or image would "pass" with a plain text answer). A vision cell passes only if the
image reached the provider (the emulator's answer counts the images it saw)."""
from __future__ import annotations

import json

import pytest

from oneapi.tools.matrix_judge import VARIANTS
from tests.support.matrix_columns import run_columns

COHERE, COHERE_VISION, COHERE_REASONING = "command-a-03-2025", "command-a-vision-07-2025", "command-a-reasoning-08-2025"
REPLICATE, REPLICATE_VISION, COZE = "meta/meta-llama-3-8b-instruct", "openai/gpt-4o-mini", "bot-7439630213807570979"
COLUMNS = {  # model -> how to make its channel
    COHERE: lambda world, model: world.create_channel(35, model, base_url=world.emu.url),
    COHERE_VISION: lambda world, model: world.create_channel(35, model, base_url=world.emu.url),
    COHERE_REASONING: lambda world, model: world.create_channel(35, model, base_url=world.emu.url),
    REPLICATE: lambda world, model: world.create_channel(46, model, key="r8_test", base_url=world.emu.url),
    REPLICATE_VISION: lambda world, model: world.create_channel(  # the model's image input: a list of files
        46, model, key="r8_test", base_url=world.emu.url,
        config=json.dumps({"image_inputs": {model: ["image_input"]}})),
    COZE: lambda world, model: world.create_channel(34, model, key="pat_test", base_url=world.emu.url),
}

# Why a cell cannot pass, as (words the error must contain, justification), per model and variant stem.
_COHERE_TEXT_ONLY = ("does not support image inputs",
                     "Cohere's text models refuse images (only the vision models take them); its 400 is passed on")
_REPLICATE_TOOLS = ("Replicate language models take no tools",
                    "a Replicate prediction is a prompt in, text out: no function calling to map tools onto")
_REPLICATE_SCHEMA = ("cannot be held to a JSON response_format",
                     "Replicate language models have no constrained decoding; prompting for JSON is not a guarantee")
_COZE_TOOLS = ("a Coze bot calls only the plugins and workflows configured for it",
               "a bot's tools are configured on Coze; the v3 chat API takes no tool definitions")
_COZE_SCHEMA = ("a JSON response_format cannot be imposed",
                "a bot's reply format is configured on Coze; the v3 chat API has no response_format")
_REPLICATE_TEXT_ONLY = {
    "chat_tools": _REPLICATE_TOOLS, "chat_tools_history": _REPLICATE_TOOLS, "chat_structured": _REPLICATE_SCHEMA,
    "response": _REPLICATE_TOOLS,  # the Copilot-style request offers tools (tool_choice auto)
    "response_tools": _REPLICATE_TOOLS, "response_tools_history": _REPLICATE_TOOLS,
    "response_structured": _REPLICATE_SCHEMA,
    "claude_tools": _REPLICATE_TOOLS, "claude_tools_history": _REPLICATE_TOOLS,
    "claude_structured": _REPLICATE_TOOLS,  # Claude clients ask for structure with a forced tool
}
EXCEPTIONS = {
    COHERE: {"response_vision": _COHERE_TEXT_ONLY},
    COHERE_REASONING: {"response_vision": _COHERE_TEXT_ONLY},
    REPLICATE: {**_REPLICATE_TEXT_ONLY, "response_vision": (
        "has no image input known to this gateway",
        "a text model: its channel names no image input (Replicate models each call theirs differently)")},
    REPLICATE_VISION: _REPLICATE_TEXT_ONLY,
    COZE: {
        "chat_tools": _COZE_TOOLS, "chat_tools_history": _COZE_TOOLS, "chat_structured": _COZE_SCHEMA,
        "response": _COZE_TOOLS, "response_tools": _COZE_TOOLS, "response_tools_history": _COZE_TOOLS,
        "response_structured": _COZE_SCHEMA,
        "claude_tools": _COZE_TOOLS, "claude_tools_history": _COZE_TOOLS, "claude_structured": _COZE_TOOLS,
    },
}
_VARIANT = {v.key: v for v in VARIANTS}


@pytest.fixture(scope="module")
def cells(world):
    return run_columns(world.url, {model: make(world, model) for model, make in COLUMNS.items()}, limit=90)


def _column(cells, model) -> dict:
    return {key: r for (m, key), r in cells.items() if m == model}


@pytest.mark.parametrize("model", list(COLUMNS))
def test_every_cell_passes_or_is_a_listed_exception(cells, model):
    column = _column(cells, model)
    assert len(column) == len(VARIANTS)
    excepted = EXCEPTIONS.get(model, {})
    wrong = {key: f"{r.status}: {r.reason}"[:240] for key, r in column.items()
             if _VARIANT[key].stem not in excepted and r.status != "PASS"}
    assert not wrong, wrong
    for key, r in column.items():
        if _VARIANT[key].kind == "vision" and r.status == "PASS":
            assert "[images: 1]" in r.answer.text, (key, r.answer.text)  # the provider saw the picture


@pytest.mark.parametrize("model", list(EXCEPTIONS))
def test_exceptions_are_clear_errors_in_the_clients_format(cells, model):
    column = _column(cells, model)
    for key, r in column.items():
        variant = _VARIANT[key]
        if variant.stem not in EXCEPTIONS[model]:
            continue
        words, why = EXCEPTIONS[model][variant.stem]
        assert why and r.status == "FAIL" and r.http_status == 400, (key, r.status, r.reason)
        assert r.reason.startswith("status 400: "), (key, r.reason)
        body = r.reason[len("status 400: "):]
        shape = '{"type":"error","error":{"type":"invalid_request_error"' if variant.family == "claude" \
            else '{"error":{"message":'
        assert body.startswith(shape) and words in body, (key, body)


# ---- what the matrix's judge does not look at ----------------------------------------------------------------

def test_cohere_reasoning_model_thinks_and_the_thinking_reaches_every_client(world):
    cid = world.create_channel(35, COHERE_REASONING, base_url=world.emu.url)
    world.emu.clear()
    resp = world.post(cid, "/v1/chat/completions", {"model": COHERE_REASONING, "reasoning_effort": "high",
                                                    "messages": [{"role": "user", "content": "why is the sky blue"}]})
    assert resp.status_code == 200, resp.text
    message = resp.json()["choices"][0]["message"]
    assert message["reasoning_content"] == "Thinking about: why is the sky blue"
    assert message["content"] == "echo: why is the sky blue"
    assert world.emu.last_request("/v2/chat")["json"]["thinking"] == {"type": "enabled"}
    with world.post(cid, "/v1/messages", {"model": COHERE_REASONING, "max_tokens": 500, "stream": True,
                                          "messages": [{"role": "user", "content": "think in a stream"}]},
                    stream=True) as streamed:
        events = [json.loads(line[5:]) for line in streamed.iter_lines(decode_unicode=True)
                  if line.startswith("data:")]
    thinking = "".join(e["delta"].get("thinking", "") for e in events if e.get("type") == "content_block_delta")
    text = "".join(e["delta"].get("text", "") for e in events if e.get("type") == "content_block_delta")
    assert (thinking, text) == ("Thinking about: think in a stream", "echo: think in a stream")
    off = world.post(cid, "/v1/chat/completions", {"model": COHERE_REASONING, "reasoning_effort": "none",
                                                   "messages": [{"role": "user", "content": "no thinking"}]})
    assert off.status_code == 200 and "reasoning_content" not in off.json()["choices"][0]["message"]
    assert world.emu.last_request("/v2/chat")["json"]["thinking"] == {"type": "disabled"}
    other = world.create_channel(35, COHERE, base_url=world.emu.url)  # a model without reasoning refuses `thinking`
    resp = world.post(other, "/v1/chat/completions", {"model": COHERE, "reasoning_effort": "low",
                                                      "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, resp.text
    assert "thinking" not in world.emu.last_request("/v2/chat")["json"]


def test_coze_data_url_image_is_uploaded_and_sent_by_file_id(world):
    from oneapi.tools.matrix_bodies import vision_data_url
    cid = world.create_channel(34, COZE, key="pat_test", base_url=world.emu.url)
    world.emu.clear()
    resp = world.post(cid, "/v1/chat/completions", {"model": COZE, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "what is this"},
        {"type": "image_url", "image_url": {"url": vision_data_url()}},
        {"type": "image_url", "image_url": {"url": "https://images.example.com/cat.png"}}]}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "echo: what is this [images: 2]"
    upload = world.emu.last_request("/v1/files/upload")
    assert upload["headers"]["authorization"] == "Bearer pat_test" and upload["files"]
    sent = world.emu.last_request("/v3/chat")["json"]["additional_messages"][0]
    assert sent["content_type"] == "object_string"
    assert json.loads(sent["content"]) == [{"type": "text", "text": "what is this"},
                                           {"type": "image", "file_id": upload["reply"]["file_id"]},
                                           {"type": "image", "file_url": "https://images.example.com/cat.png"}]


def test_replicate_image_goes_to_the_input_the_channel_names(world):
    from oneapi.tools.matrix_bodies import vision_data_url
    model = "yorickvp/llava-13b"
    cid = world.create_channel(46, model, key="r8_test", base_url=world.emu.url,
                               config=json.dumps({"image_inputs": {model: "image"}}))
    picture = {"type": "image_url", "image_url": {"url": vision_data_url()}}
    world.emu.clear()
    resp = world.post(cid, "/v1/chat/completions", {"model": model, "messages": [
        {"role": "user", "content": [{"type": "text", "text": "what is this"}, picture]}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "echo: what is this [images: 1]"
    created = world.emu.last_request(f"/v1/models/{model}/predictions")["json"]
    assert created["input"]["image"] == vision_data_url() and "images" not in created
    two = world.post(cid, "/v1/messages", {"model": model, "max_tokens": 50, "messages": [
        {"role": "user", "content": [{"type": "text", "text": "compare"},
                                     {"type": "image", "source": {"type": "url", "url": "https://x/a.png"}},
                                     {"type": "image", "source": {"type": "url", "url": "https://x/b.png"}}]}]})
    assert two.status_code == 400 and two.json()["type"] == "error"
    assert "takes one image (input image); 2 were sent" in two.json()["error"]["message"]


def test_refused_feature_sends_nothing_upstream_and_costs_nothing(world):
    cid = world.create_channel(46, REPLICATE, key="r8_test", base_url=world.emu.url)
    world.emu.clear()
    resp = world.post(cid, "/v1/chat/completions", {"model": REPLICATE, "tool_choice": "auto", "tools": [
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "messages": [{"role": "user", "content": "use f"}]})
    assert resp.status_code == 400
    assert resp.json()["error"]["param"] == "tools" and resp.json()["error"]["code"] == "unsupported_parameter"
    assert world.emu.requests() == []
    declined = world.post(cid, "/v1/chat/completions", {"model": REPLICATE, "tool_choice": "none", "tools": [
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "messages": [{"role": "user", "content": "do not use f"}]})
    assert declined.status_code == 200, declined.text  # tools the model may not call ask for nothing
