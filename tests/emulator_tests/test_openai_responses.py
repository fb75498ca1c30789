"""OpenAI Responses API through the official SDK."""
import json

import openai
import pytest
import requests
from pydantic import BaseModel

from .conftest import TOPIC_SCHEMA, openai_client

WEATHER = {"type": "function", "name": "get_weather", "description": "Get the weather",
           "parameters": {"type": "object", "properties": {
               "location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
               "required": ["location"]}}


def test_text_response(oai):
    result = oai.responses.create(model="gpt-4.1", instructions="be nice", input="hello there")
    assert result.status == "completed" and result.object == "response"
    assert result.output_text == "echo: hello there"
    assert result.output[0].type == "message" and result.output[0].role == "assistant"
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.total_tokens) == (4, 3, 7)
    assert result.instructions == "be nice"


def test_stream_event_sequence(oai):
    events = list(oai.responses.create(model="gpt-4.1", input="stream me a reply", stream=True))
    types = [e.type for e in events]
    assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) >= 5 and "".join(deltas) == "echo: stream me a reply"
    assert events[0].response.status == "in_progress" and events[0].response.output == []
    assert events[-1].response.output_text == "echo: stream me a reply"
    assert events[-1].response.usage.output_tokens == 5


def test_stream_has_no_done_marker_and_named_events(emu):
    raw = requests.post(emu.url + "/v1/responses", headers={"Authorization": "Bearer k"},
                        json={"model": "m", "input": "hi", "stream": True})
    assert "[DONE]" not in raw.text
    assert raw.text.startswith("event: response.created\ndata: {")


def test_function_call_json_and_stream(oai):
    result = oai.responses.create(model="gpt-4.1", input="Call the tool for Paris", tools=[WEATHER],
                                  tool_choice={"type": "function", "name": "get_weather"})
    call = result.output[0]
    assert call.type == "function_call" and call.name == "get_weather" and call.call_id.startswith("call_")
    assert json.loads(call.arguments) == {"location": "Call the tool for Paris", "unit": "celsius"}
    events = list(oai.responses.create(model="gpt-4.1", input="weather in Rome", tools=[WEATHER], stream=True))
    added = [e for e in events if e.type == "response.output_item.added"][0]
    assert added.item.type == "function_call" and added.item.arguments == "" and added.item.name == "get_weather"
    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    done = [e for e in events if e.type == "response.function_call_arguments.done"][0]
    assert len(deltas) >= 5 and "".join(deltas) == done.arguments
    assert json.loads(done.arguments)["location"] == "weather in Rome"


def test_function_call_output_is_quoted(oai):
    result = oai.responses.create(model="gpt-4.1", tools=[WEATHER], input=[
        {"role": "user", "content": "weather?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"}])
    assert result.output_text == "tool result: sunny"


def test_nonstandard_tool_type_choice_is_accepted(oai):
    result = oai.responses.create(model="m", input="hi", tools=[WEATHER],
                                  tool_choice={"type": "tool", "name": "get_weather"})
    assert result.output[0].type == "function_call"


def test_reasoning_items_json_and_stream(oai):
    result = oai.responses.create(model="o4-mini", input="why", reasoning={"effort": "high", "summary": "auto"})
    assert result.output[0].type == "reasoning"
    assert result.output[0].summary[0].text == "Thinking about: why"
    assert result.usage.output_tokens_details.reasoning_tokens == 3
    events = list(oai.responses.create(model="thinker", input="why", stream=True))
    types = [e.type for e in events]
    assert "response.reasoning_summary_part.added" in types and "response.reasoning_summary_text.done" in types
    text = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert text == "Thinking about: why"
    assert types.index("response.reasoning_summary_text.done") < types.index("response.output_text.delta")


def test_structured_output(oai):
    class Topic(BaseModel):
        topic: str
        confidence: float

    parsed = oai.responses.parse(model="gpt-4.1", input="AI in enterprises", text_format=Topic)
    assert parsed.output_parsed == Topic(topic="AI in enterprises", confidence=0.5)
    raw = oai.responses.create(model="m", input="x", text={"format": {
        "type": "json_schema", "name": "t", "strict": True, "schema": TOPIC_SCHEMA}})
    assert json.loads(raw.output_text) == {"topic": "x", "confidence": 0.5}


def test_max_output_tokens_gives_incomplete(oai):
    result = oai.responses.create(model="m", input="one two three four five", max_output_tokens=2)
    assert result.status == "incomplete" and result.incomplete_details.reason == "max_output_tokens"
    assert result.output_text == "echo: one"
    events = list(oai.responses.create(model="m", input="one two three four", max_output_tokens=2, stream=True))
    assert events[-1].type == "response.incomplete"


def test_cached_tokens_with_prompt_cache_key(oai):
    result = oai.responses.create(model="m", input="a b c d", prompt_cache_key="key")
    assert result.usage.input_tokens_details.cached_tokens == 2


def test_store_retrieve_input_items_delete(oai):
    created = oai.responses.create(model="m", input=[{"role": "user", "content": "first"},
                                                      {"role": "user", "content": "second"}])
    fetched = oai.responses.retrieve(created.id)
    assert fetched.output_text == "echo: second" and fetched.id == created.id
    items = oai.responses.input_items.list(created.id)
    assert [i.content[0].text for i in items.data] == ["second", "first"]  # newest first
    ascending = oai.responses.input_items.list(created.id, order="asc")
    assert ascending.data[0].content[0].text == "first"
    follow = oai.responses.create(model="m", input="third", previous_response_id=created.id)
    assert follow.previous_response_id == created.id
    assert follow.usage.input_tokens > 1  # earlier turns count as input
    oai.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        oai.responses.retrieve(created.id)
    with pytest.raises(openai.BadRequestError):
        oai.responses.create(model="m", input="x", previous_response_id=created.id)


def test_unstored_response_is_not_retrievable(oai):
    created = oai.responses.create(model="m", input="x", store=False)
    with pytest.raises(openai.NotFoundError):
        oai.responses.retrieve(created.id)


def test_background_and_cancel(oai):
    queued = oai.responses.create(model="m", input="later", background=True)
    assert queued.status == "queued" and queued.background is True
    cancelled = oai.responses.cancel(queued.id)
    assert cancelled.status == "cancelled"
    other = oai.responses.create(model="m", input="later", background=True)
    assert oai.responses.retrieve(other.id).output_text == "echo: later"
    foreground = oai.responses.create(model="m", input="now")
    with pytest.raises(openai.BadRequestError):
        oai.responses.cancel(foreground.id)


def test_input_token_count(oai):
    counted = oai.responses.input_tokens.count(model="m", input="one two three")
    assert counted.input_tokens == 3


def test_responses_errors(emu):
    with pytest.raises(openai.RateLimitError) as info:
        openai_client(emu.scenario_url("rate429")).responses.create(model="m", input="x")
    assert info.value.response.headers["retry-after"] == "2"
    with pytest.raises(openai.InternalServerError):
        openai_client(emu.scenario_url("fail503")).responses.create(model="m", input="x")
