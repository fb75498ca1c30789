"""Behaviour that every protocol shares: parallel tool calls, images, stream errors, raw-body recording."""
import json

import anthropic
import httpx2
import openai
import pytest
from google.genai import errors as genai_errors
from google.genai import types

from .conftest import WEATHER_TOOL, openai_client
from .test_anthropic import client_for as anthropic_client
from .test_gemini import client_for as gemini_client

TIME_TOOL = {"type": "function", "function": {"name": "get_time", "description": "Current time",
                                              "parameters": {"type": "object", "properties": {
                                                  "zone": {"type": "string"}}, "required": ["zone"]}}}
ASK_BOTH = "use get_weather and get_time for Oslo"
PNG_URL = "data:image/png;base64,iVBORw0KGgo="


def test_chat_parallel_tool_calls_stream_with_distinct_indexes(oai):
    stream = oai.chat.completions.create(model="m", stream=True, tools=[WEATHER_TOOL, TIME_TOOL],
                                         messages=[{"role": "user", "content": ASK_BOTH}])
    calls = {}
    for chunk in stream:
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            entry = calls.setdefault(delta.index, {"name": None, "args": ""})
            entry["name"] = entry["name"] or delta.function.name
            entry["args"] += delta.function.arguments or ""
    assert [calls[i]["name"] for i in sorted(calls)] == ["get_weather", "get_time"]
    assert json.loads(calls[1]["args"]) == {"zone": ASK_BOTH}
    single = oai.chat.completions.create(model="m", tools=[WEATHER_TOOL, TIME_TOOL], parallel_tool_calls=False,
                                         messages=[{"role": "user", "content": ASK_BOTH}])
    assert len(single.choices[0].message.tool_calls) == 1


def test_responses_and_anthropic_and_gemini_parallel_calls(emu, oai):
    flat = [{"type": "function", **t["function"]} for t in (WEATHER_TOOL, TIME_TOOL)]
    response = oai.responses.create(model="m", input=ASK_BOTH, tools=flat)
    assert [o.name for o in response.output] == ["get_weather", "get_time"]
    claude = anthropic_client(emu.url)
    claude_tools = [{"name": t["function"]["name"], "input_schema": t["function"]["parameters"]}
                    for t in (WEATHER_TOOL, TIME_TOOL)]
    message = claude.messages.create(model="c", max_tokens=50, tools=claude_tools,
                                     messages=[{"role": "user", "content": ASK_BOTH}])
    assert [b.name for b in message.content] == ["get_weather", "get_time"]
    one = claude.messages.create(model="c", max_tokens=50, tools=claude_tools,
                                 tool_choice={"type": "auto", "disable_parallel_tool_use": True},
                                 messages=[{"role": "user", "content": ASK_BOTH}])
    assert len(one.content) == 1
    gem = gemini_client(emu.url)
    declarations = [types.FunctionDeclaration(name=t["function"]["name"],
                                              parameters_json_schema=t["function"]["parameters"])
                    for t in (WEATHER_TOOL, TIME_TOOL)]
    result = gem.models.generate_content(model="g", contents=ASK_BOTH, config=types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=declarations)]))
    assert [c.name for c in result.function_calls] == ["get_weather", "get_time"]


def test_images_are_counted_in_every_protocol(emu, oai):
    chat = oai.chat.completions.create(model="m", messages=[{"role": "user", "content": [
        {"type": "text", "text": "describe"}, {"type": "image_url", "image_url": {"url": PNG_URL}}]}])
    assert chat.choices[0].message.content == "echo: describe [images: 1]"
    assert chat.usage.prompt_tokens == 1 + 8
    response = oai.responses.create(model="m", input=[{"role": "user", "content": [
        {"type": "input_text", "text": "describe"}, {"type": "input_image", "image_url": PNG_URL}]}])
    assert response.output_text == "echo: describe [images: 1]"
    message = anthropic_client(emu.url).messages.create(model="c", max_tokens=50, messages=[{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "text", "text": "describe"}]}])
    assert message.content[0].text == "echo: describe [images: 1]"
    gem = gemini_client(emu.url)
    result = gem.models.generate_content(model="g", contents=[types.Content(role="user", parts=[
        types.Part(text="describe"), types.Part.from_bytes(data=b"\x89PNG", mime_type="image/png")])])
    assert result.text == "echo: describe [images: 1]"


def test_stream_error_events(emu):
    with pytest.raises(openai.APIError):
        list(openai_client(emu.scenario_url("streamerror")).chat.completions.create(
            model="m", stream=True, messages=[{"role": "user", "content": "a b c d"}]))
    events = list(openai_client(emu.scenario_url("streamerror")).responses.create(
        model="m", input="a b c", stream=True))
    assert events[-1].type == "error" and events[-1].message
    assert all(e.type != "response.completed" for e in events)
    gem = gemini_client(emu.scenario_url("streamerror"))
    with pytest.raises(genai_errors.APIError):
        list(gem.models.generate_content_stream(model="g", contents="a b c d"))


def test_raw_body_is_the_native_request(emu, fresh):
    anthropic_client(emu.url).messages.create(
        model="claude", max_tokens=64, stop_sequences=["END"], system=[{"type": "text", "text": "sys"}],
        messages=[{"role": "user", "content": "hi"}], extra_body={"temperature": 0.2, "top_k": 5})
    recorded = fresh.last_request("/v1/messages")
    native = json.loads(recorded["raw"])
    assert native == {"model": "claude", "max_tokens": 64, "temperature": 0.2, "top_k": 5, "stop_sequences": ["END"],
                      "system": [{"type": "text", "text": "sys"}], "messages": [{"role": "user", "content": "hi"}]}
    assert recorded["reply"]["text"] == "echo: hi" and recorded["status"] == 200


def test_anthropic_sdk_stream_cut_raises(emu):
    seen = []
    with pytest.raises((anthropic.APIConnectionError, httpx2.RemoteProtocolError)):
        with anthropic_client(emu.scenario_url("cut")).messages.stream(
                model="c", max_tokens=50, messages=[{"role": "user", "content": "a b c d e"}]) as stream:
            for event in stream:
                seen.append(event.type)
    assert "message_start" in seen and "message_stop" not in seen


def test_fragmented_events_still_parse(emu):
    url = emu.scenario_url("fragment")
    chat = openai_client(url).chat.completions.create(model="m", stream=True,
                                                      messages=[{"role": "user", "content": "split me"}])
    assert "".join(c.choices[0].delta.content or "" for c in chat if c.choices) == "echo: split me"
    with anthropic_client(url).messages.stream(model="c", max_tokens=20,
                                               messages=[{"role": "user", "content": "split me"}]) as stream:
        assert stream.get_final_message().content[0].text == "echo: split me"
    gem = gemini_client(url)
    assert "".join(c.text for c in gem.models.generate_content_stream(model="g", contents="split me")) == \
        "echo: split me"


def test_fragment_really_splits_writes(emu):
    import socket
    body = json.dumps({"contents": [{"parts": [{"text": "hi"}]}]}).encode()
    request = (f"POST /s/fragment,chunks=1/v1beta/models/g:streamGenerateContent?alt=sse&key=k HTTP/1.1\r\n"
               f"Host: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
               f"Connection: close\r\n\r\n").encode() + body
    port = int(emu.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    # chunked framing: the single event arrives as three HTTP chunks, the last one just "\n"
    assert b"\r\n1\r\n\n\r\n" in data


def test_broken_conversations_are_rejected_like_the_real_apis(emu, oai):
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    with pytest.raises(openai.BadRequestError) as info:  # tool call never answered
        oai.chat.completions.create(model="m", messages=[
            {"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [call]},
            {"role": "user", "content": "y"}])
    assert "call_1" in info.value.body["message"]
    with pytest.raises(openai.BadRequestError):  # tool answer without a call
        oai.chat.completions.create(model="m", messages=[
            {"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "call_9", "content": "r"}])
    with pytest.raises(openai.BadRequestError):
        oai.responses.create(model="m", input=[{"role": "user", "content": "x"},
                                               {"type": "function_call_output", "call_id": "c9", "output": "r"}])
    with pytest.raises(anthropic.BadRequestError) as info:
        anthropic_client(emu.url).messages.create(model="c", max_tokens=9, messages=[
            {"role": "system", "content": "s"}, {"role": "user", "content": "x"}])
    assert "system" in info.value.body["error"]["message"]
    gem = gemini_client(emu.url)
    with pytest.raises(genai_errors.ClientError):
        gem.models.generate_content(model="g", contents=[types.Content(role="assistant", parts=[
            types.Part(text="x")])])
