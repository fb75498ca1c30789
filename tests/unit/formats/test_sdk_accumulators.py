"""Client streams produced by the encoders, accumulated by the official SDKs' own
stream helpers: if the SDKs rebuild the right final objects, the grammar is exact."""

import json

import pydantic
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import RawMessageStreamEvent
from openai import omit
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseStreamEvent

from oneapi.relay.formats import chat, claude, responses
from tests.unit.formats import samples as S
from tests.unit.formats.helpers import chat_sse, claude_sse, events, pipe

GEMINI = [(None, c) for c in S.GEMINI_STREAM]
SOURCES = {"claude": claude_sse(S.CLAUDE_STREAM), "chat": chat_sse(S.CHAT_STREAM),
           "responses": [(e["type"], e) for e in S.RESPONSES_STREAM], "gemini": GEMINI}
EXPECTED_TEXT = {"claude": "Checking the weather.", "chat": "Let me check.", "responses": "Hi there!",
                 "gemini": "Sure, checking."}
EXPECTED_ARGS = {"claude": [{"location": "San Francisco, CA"}],
                 "chat": [{"location": "Paris"}, {"location": "Rome"}],
                 "responses": [{"location": "Oslo"}], "gemini": [{"location": "Paris", "unit": "celsius"}]}


def test_openai_sdk_accumulates_chat_streams_from_every_source():
    req = chat.decode_request({"model": "m", "messages": [], "stream": True, "stream_options": {"include_usage": True}})
    for source, pairs in SOURCES.items():
        state = ChatCompletionStreamState()
        for _, data in events(pipe(source, "chat", req, pairs))[:-1]:
            state.handle_chunk(ChatCompletionChunk.model_validate(data))
        final = state.get_final_completion()
        msg = final.choices[0].message
        assert msg.content == EXPECTED_TEXT[source], source
        assert [json.loads(c.function.arguments) for c in msg.tool_calls] == EXPECTED_ARGS[source], source
        assert final.choices[0].finish_reason == "tool_calls"
        assert final.usage is not None and final.usage.completion_tokens > 0


def test_anthropic_sdk_accumulates_claude_streams_from_every_source():
    req = claude.decode_request({"model": "c", "max_tokens": 100, "messages": [], "stream": True})
    adapter = pydantic.TypeAdapter(RawMessageStreamEvent)
    for source, pairs in SOURCES.items():
        snapshot, bufs = None, {}
        for name, data in events(pipe(source, "claude", req, pairs)):
            if name == "ping":
                continue
            snapshot = accumulate_event(event=adapter.validate_python(data), current_snapshot=snapshot, json_bufs=bufs)
        text = "".join(b.text for b in snapshot.content if b.type == "text")
        assert text == EXPECTED_TEXT[source], source
        assert [b.input for b in snapshot.content if b.type == "tool_use"] == EXPECTED_ARGS[source], source
        assert snapshot.stop_reason == "tool_use"
        assert snapshot.usage.output_tokens > 0


def test_openai_sdk_accumulates_responses_streams_from_every_source():
    req = responses.decode_request({"model": "m", "input": "x", "stream": True})
    adapter = pydantic.TypeAdapter(ResponseStreamEvent)
    for source, pairs in SOURCES.items():
        state = ResponseStreamState(input_tools=omit, text_format=omit)
        for _, data in events(pipe(source, "responses", req, pairs)):
            state.handle_event(adapter.validate_python(data))
        final = state._completed_response  # what ResponseStream.get_final_response() returns
        assert final is not None and final.status == "completed", source
        assert final.output_text == EXPECTED_TEXT[source], source
        calls = [o for o in final.output if o.type == "function_call"]
        assert [json.loads(c.arguments) for c in calls] == EXPECTED_ARGS[source], source
