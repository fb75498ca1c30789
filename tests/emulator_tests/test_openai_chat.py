"""OpenAI Chat Completions and Completions through the official SDK."""
import json

import httpx2
import requests
import openai
import pytest
from pydantic import BaseModel

from .conftest import TOPIC_SCHEMA, WEATHER_TOOL, openai_client


def test_plain_reply_echoes_last_user_message_with_word_usage(oai, fresh):
    result = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "be brief"},
                  {"role": "user", "content": "Say hello in one sentence."}])
    assert result.choices[0].message.content == "echo: Say hello in one sentence."
    assert result.choices[0].finish_reason == "stop"
    assert result.model == "gpt-4o-mini"
    assert result.object == "chat.completion"
    # 2 system words + 5 user words; reply has 6 words
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (7, 6, 13)
    recorded = fresh.last_request("/v1/chat/completions")
    assert recorded["json"]["messages"][1]["content"] == "Say hello in one sentence."
    assert json.loads(recorded["raw"]) == recorded["json"]
    assert recorded["headers"]["authorization"] == "Bearer sk-test"
    assert recorded["reply"]["output_tokens"] == 6


def test_stream_has_role_chunk_content_deltas_finish_usage_and_done(emu, oai):
    stream = oai.chat.completions.create(
        model="gpt-4o-mini", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "tell me something interesting please"}])
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    deltas = [c.choices[0].delta.content for c in chunks[1:] if c.choices and c.choices[0].delta.content]
    assert len(deltas) >= 5
    assert "".join(deltas) == "echo: tell me something interesting please"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 6
    raw = requests.post(emu.url + "/v1/chat/completions", headers={"Authorization": "Bearer k"},
                     json={"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert raw.text.endswith("data: [DONE]\n\n")
    assert '"usage"' not in raw.text  # no usage chunk unless stream_options.include_usage


def test_chunk_count_and_delay_are_configurable(emu):
    client = openai_client(emu.scenario_url("chunks=9,delay=20"))
    stream = client.chat.completions.create(model="m", stream=True,
                                            messages=[{"role": "user", "content": "count the pieces please"}])
    deltas = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
    assert len(deltas) == 9
    header_client = openai_client(emu.url, default_headers={"x-emu-chunks": "2"})
    stream = header_client.chat.completions.create(model="m", stream=True,
                                                   messages=[{"role": "user", "content": "two pieces"}])
    assert len([c for c in stream if c.choices and c.choices[0].delta.content]) == 2


def test_forced_tool_call_arguments_follow_schema(oai):
    result = oai.chat.completions.create(
        model="gpt-4o", tools=[WEATHER_TOOL], tool_choice={"type": "function", "function": {"name": "get_weather"}},
        messages=[{"role": "user", "content": "Check San Francisco"}])
    choice = result.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather" and call.id.startswith("call_")
    args = json.loads(call.function.arguments)
    assert args["location"] == "Check San Francisco" and args["unit"] in ("celsius", "fahrenheit")


def test_auto_tool_choice_calls_tool_only_when_mentioned(oai):
    plain = oai.chat.completions.create(model="m", tools=[WEATHER_TOOL],
                                        messages=[{"role": "user", "content": "hello"}])
    assert plain.choices[0].message.tool_calls is None
    assert plain.choices[0].message.content == "echo: hello"
    none = oai.chat.completions.create(model="m", tools=[WEATHER_TOOL], tool_choice="none",
                                       messages=[{"role": "user", "content": "weather in Oslo?"}])
    assert none.choices[0].message.tool_calls is None
    mentioned = oai.chat.completions.create(model="m", tools=[WEATHER_TOOL],
                                            messages=[{"role": "user", "content": "weather in Oslo?"}])
    assert mentioned.choices[0].message.tool_calls[0].function.name == "get_weather"


def test_streamed_tool_call_has_index_id_name_then_argument_fragments(oai):
    stream = oai.chat.completions.create(
        model="m", stream=True, tools=[WEATHER_TOOL], tool_choice="required",
        messages=[{"role": "user", "content": "Paris please"}])
    calls = [c.choices[0].delta.tool_calls[0] for c in stream if c.choices and c.choices[0].delta.tool_calls]
    assert calls[0].index == 0 and calls[0].id and calls[0].function.name == "get_weather"
    assert calls[0].function.arguments == ""
    fragments = [c.function.arguments for c in calls[1:]]
    assert len(fragments) >= 5 and all(c.id is None for c in calls[1:])
    assert json.loads("".join(fragments)) == {"location": "Paris please", "unit": "celsius"}


def test_tool_result_is_quoted_in_the_answer(oai):
    result = oai.chat.completions.create(model="m", tools=[WEATHER_TOOL], tool_choice="required", messages=[
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temperature_c": 15}'}])
    assert result.choices[0].message.content == 'tool result: {"temperature_c": 15}'
    assert result.choices[0].finish_reason == "stop"


def test_structured_output_parses_with_sdk_helper(oai):
    class Topic(BaseModel):
        topic: str
        confidence: float

    parsed = oai.chat.completions.parse(model="gpt-4o", response_format=Topic,
                                        messages=[{"role": "user", "content": "AI adoption in enterprises"}])
    topic = parsed.choices[0].message.parsed
    assert topic.topic == "AI adoption in enterprises" and 0 <= topic.confidence <= 1
    raw = oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], response_format={
        "type": "json_schema", "json_schema": {"name": "t", "strict": True, "schema": TOPIC_SCHEMA}})
    assert json.loads(raw.choices[0].message.content) == {"topic": "x", "confidence": 0.5}


def test_reasoning_content_and_reasoning_tokens(oai):
    result = oai.chat.completions.create(model="deepseek-reasoner",
                                         messages=[{"role": "user", "content": "why is the sky blue"}])
    message = result.choices[0].message
    assert message.model_extra["reasoning_content"] == "Thinking about: why is the sky blue"
    assert result.usage.completion_tokens_details.reasoning_tokens == 7
    assert result.usage.completion_tokens == 7 + 6
    effort = oai.chat.completions.create(model="gpt-x", reasoning_effort="high",
                                         messages=[{"role": "user", "content": "hi"}])
    assert effort.usage.completion_tokens_details.reasoning_tokens > 0
    plain = oai.chat.completions.create(model="gpt-x", messages=[{"role": "user", "content": "hi"}])
    assert "reasoning_content" not in (plain.choices[0].message.model_extra or {})


def test_small_max_tokens_truncates_with_length(oai):
    result = oai.chat.completions.create(model="m", max_completion_tokens=3,
                                         messages=[{"role": "user", "content": "one two three four five"}])
    assert result.choices[0].message.content == "echo: one two"
    assert result.choices[0].finish_reason == "length"
    assert result.usage.completion_tokens == 3


def test_cached_tokens_reported_when_prompt_cache_key_given(oai):
    result = oai.chat.completions.create(model="m", prompt_cache_key="k1",
                                         messages=[{"role": "user", "content": "a b c d e f g h"}])
    assert result.usage.prompt_tokens == 8
    assert result.usage.prompt_tokens_details.cached_tokens == 4


@pytest.mark.parametrize("scenario, error_type, status", [
    ("fail500", openai.InternalServerError, 500),
    ("fail502", openai.InternalServerError, 502),
    ("fail503", openai.InternalServerError, 503),
    ("rate429", openai.RateLimitError, 429),
    ("auth401", openai.AuthenticationError, 401),
    ("bad400", openai.BadRequestError, 400),
    ("insufficient_quota", openai.RateLimitError, 429),
])
def test_error_scenarios_raise_sdk_exceptions(emu, scenario, error_type, status):
    client = openai_client(emu.scenario_url(scenario))
    with pytest.raises(error_type) as info:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert info.value.status_code == status
    body = info.value.response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    if scenario == "auth401":
        assert body["error"]["code"] == "invalid_api_key"
    if scenario == "insufficient_quota":
        assert body["error"]["type"] == "insufficient_quota" and body["error"]["code"] == "insufficient_quota"


def test_rate_limit_retry_after_header(emu):
    with_retry = requests.post(emu.url + "/s/rate429/v1/chat/completions", headers={"Authorization": "Bearer k"},
                            json={"model": "m", "messages": []})
    assert with_retry.status_code == 429 and with_retry.headers["retry-after"] == "2"
    without = requests.post(emu.url + "/s/rate429_noretry/v1/chat/completions", headers={"Authorization": "Bearer k"},
                         json={"model": "m", "messages": []})
    assert without.status_code == 429 and "retry-after" not in without.headers


def test_missing_or_bad_key_is_rejected(emu):
    with pytest.raises(openai.AuthenticationError):
        openai_client(emu.url, api_key="bad-key").chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}])
    missing = requests.post(emu.url + "/v1/chat/completions", json={"model": "m", "messages": []})
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "invalid_request_error"


def test_invalid_request_is_rejected(oai):
    with pytest.raises(openai.BadRequestError) as info:
        oai.chat.completions.create(model="m", messages=[])
    assert info.value.body["param"] == "messages"


def test_malformed_body_with_200(emu):
    raw = requests.post(emu.url + "/s/malformed/v1/chat/completions", headers={"Authorization": "Bearer k"},
                     json={"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    assert raw.status_code == 200
    with pytest.raises(ValueError):
        raw.json()


def test_stream_cut_drops_connection_without_done(emu):
    client = openai_client(emu.scenario_url("cut"))
    seen = []
    with pytest.raises((httpx2.RemoteProtocolError, openai.APIConnectionError)):
        for chunk in client.chat.completions.create(model="m", stream=True,
                                                    messages=[{"role": "user", "content": "a long answer here"}]):
            seen.append(chunk)
    assert 0 < len(seen) < 8


def test_stream_without_usage_chunk(emu):
    client = openai_client(emu.scenario_url("nousage"))
    chunks = list(client.chat.completions.create(model="m", stream=True, stream_options={"include_usage": True},
                                                 messages=[{"role": "user", "content": "hi"}]))
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_keepalive_comments_are_sent_and_ignored_by_sdk(emu):
    raw = requests.post(emu.url + "/s/keepalive/v1/chat/completions", headers={"Authorization": "Bearer k"},
                     json={"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    assert raw.text.count(": keep-alive\n\n") >= 5
    chunks = list(openai_client(emu.scenario_url("keepalive")).chat.completions.create(
        model="m", stream=True, messages=[{"role": "user", "content": "hi there"}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: hi there"


def test_legacy_completions_json_and_stream(oai):
    result = oai.completions.create(model="gpt-3.5-turbo-instruct", prompt="complete this", max_tokens=50)
    assert result.choices[0].text == "echo: complete this"
    assert result.usage.prompt_tokens == 2 and result.usage.completion_tokens == 3
    pieces = [c.choices[0].text for c in oai.completions.create(model="m", prompt="stream this text",
                                                                stream=True) if c.choices]
    assert "".join(pieces) == "echo: stream this text" and len(pieces) >= 5


def test_reasoning_models_reject_legacy_parameters(oai, emu):
    with pytest.raises(openai.BadRequestError) as info:
        oai.chat.completions.create(model="gpt-5-mini", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert info.value.body["code"] == "unsupported_parameter" and info.value.body["param"] == "max_tokens"
    with pytest.raises(openai.BadRequestError) as info:
        oai.chat.completions.create(model="o4-mini", temperature=0.7, messages=[{"role": "user", "content": "x"}])
    assert info.value.body["code"] == "unsupported_value"
    with pytest.raises(openai.BadRequestError):
        oai.responses.create(model="gpt-5", input="x", temperature=0.5)
    allowed = oai.chat.completions.create(model="gpt-5-chat-latest", max_tokens=10, temperature=0.7,
                                          messages=[{"role": "user", "content": "x"}])
    assert allowed.choices[0].message.content == "echo: x"
    lenient = openai_client(emu.scenario_url("lenient")).chat.completions.create(
        model="o3", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert lenient.choices[0].message.content == "echo: x"


def test_thinktags_puts_reasoning_inline(emu):
    result = openai_client(emu.scenario_url("thinktags")).chat.completions.create(
        model="qwen-think", messages=[{"role": "user", "content": "why"}])
    assert result.choices[0].message.content == "<think>Thinking about: why</think>echo: why"
    assert "reasoning_content" not in (result.choices[0].message.model_extra or {})


def test_reasoning_field_can_be_renamed(emu):
    result = openai_client(emu.scenario_url("rfield=reasoning")).chat.completions.create(
        model="m-reasoner", messages=[{"role": "user", "content": "why"}])
    assert result.choices[0].message.model_extra["reasoning"] == "Thinking about: why"


def test_stop_sequences_end_the_text(oai, emu):
    result = oai.chat.completions.create(model="m", stop=["three"],
                                         messages=[{"role": "user", "content": "one two three four"}])
    assert result.choices[0].message.content == "echo: one two " and result.choices[0].finish_reason == "stop"


def test_n_choices_json_and_stream(oai):
    result = oai.chat.completions.create(model="m", n=3, messages=[{"role": "user", "content": "a b"}])
    assert [c.index for c in result.choices] == [0, 1, 2]
    assert {c.message.content for c in result.choices} == {"echo: a b"}
    assert result.usage.completion_tokens == 3 * 3
    texts = {}
    for chunk in oai.chat.completions.create(model="m", n=2, stream=True,
                                             messages=[{"role": "user", "content": "a b"}]):
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
    assert texts == {0: "echo: a b", 1: "echo: a b"}
