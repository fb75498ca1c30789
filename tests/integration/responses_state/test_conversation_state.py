"""previous_response_id on channels without Responses state: the gateway stores converted responses and
replays the conversation in the provider's own format (checked in what the emulator received)."""
from __future__ import annotations

import json
import time

import openai
import pytest
import requests

WEATHER_TOOL = {"type": "function", "name": "get_weather", "description": "Current weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                               "required": ["city"]}}


def client(gateway, key=None) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.url + "/v1", api_key=key or gateway.key, max_retries=0)


def _three_turns(gateway, model: str):
    """Tool call, tool output (streamed), follow-up question: returns the three responses."""
    api = client(gateway)
    first = api.responses.create(model=model, input="What is the weather in Paris?", tools=[WEATHER_TOOL],
                                 instructions="Be brief.")
    call = next(item for item in first.output if item.type == "function_call")
    assert call.name == "get_weather" and json.loads(call.arguments)["city"]
    with api.responses.stream(model=model, previous_response_id=first.id, tools=[WEATHER_TOOL],
                              input=[{"type": "function_call_output", "call_id": call.call_id,
                                      "output": "sunny, 21 C"}]) as stream:
        second = stream.get_final_response()
    assert second.output_text == "tool result: sunny, 21 C"
    third = api.responses.create(model=model, previous_response_id=second.id, input="Thanks. Anything else?")
    assert third.output_text == "echo: Thanks. Anything else?"
    assert third.previous_response_id == second.id
    return first, second, third, call


def test_anthropic_channel_gets_the_whole_conversation(gateway, emulator):
    first, second, third, call = _three_turns(gateway, "claude-haiku-4-5")
    sent = emulator.requests(api_path="/v1/messages")
    assert len(sent) == 3
    assert sent[0]["json"]["system"] == "Be brief." or sent[0]["json"]["system"][0]["text"] == "Be brief."
    assert "system" not in sent[2]["json"]  # instructions belong to their own turn only
    messages = sent[2]["json"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    tool_use = next(b for b in messages[1]["content"] if b["type"] == "tool_use")
    assert tool_use["id"] == call.call_id and tool_use["name"] == "get_weather"
    assert tool_use["input"] == json.loads(call.arguments)
    result = messages[2]["content"][0]
    assert result["type"] == "tool_result" and result["tool_use_id"] == call.call_id
    assert "sunny, 21 C" in json.dumps(result["content"])
    assert "tool result: sunny, 21 C" in json.dumps(messages[3]["content"])
    assert "Thanks. Anything else?" in json.dumps(messages[4]["content"])
    # the second turn already carried the first (call and output, nothing more)
    assert [m["role"] for m in sent[1]["json"]["messages"]] == ["user", "assistant", "user"]


def test_gemini_channel_gets_the_whole_conversation(gateway, emulator):
    first, second, third, call = _three_turns(gateway, "gemini-2.5-flash")
    sent = [r for r in emulator.requests() if "gemini-2.5-flash:" in r["api_path"]]
    assert len(sent) == 3 and "streamGenerateContent" in sent[1]["api_path"]
    contents = sent[2]["json"]["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user", "model", "user"]
    assert contents[0]["parts"][0]["text"] == "What is the weather in Paris?"
    fc = next(p["functionCall"] for p in contents[1]["parts"] if "functionCall" in p)
    assert fc["name"] == "get_weather" and fc["args"] == json.loads(call.arguments)
    fr = contents[2]["parts"][0]["functionResponse"]
    assert fr["name"] == "get_weather" and "sunny, 21 C" in json.dumps(fr["response"])
    assert contents[3]["parts"][0]["text"] == "tool result: sunny, 21 C"
    assert contents[4]["parts"][0]["text"] == "Thanks. Anything else?"


def test_openai_chat_vendor_gets_the_whole_conversation(gateway, emulator):
    api = client(gateway)
    first = api.responses.create(model="deepseek-chat", input="Remember the number 42.")
    second = api.responses.create(model="deepseek-chat", previous_response_id=first.id, input="Which number?")
    assert second.output_text == "echo: Which number?"
    messages = emulator.requests(api_path="/v1/chat/completions")[-1]["json"]["messages"]
    assert [(m["role"], m["content"] if isinstance(m["content"], str) else m["content"][0]["text"])
            for m in messages] == [("user", "Remember the number 42."), ("assistant", "echo: Remember the number 42."),
                                   ("user", "Which number?")]


def test_stored_objects_and_input_items(gateway, emulator):
    first, second, third, call = _three_turns(gateway, "claude-haiku-4-5")
    api = client(gateway)
    fetched = api.responses.retrieve(second.id)
    assert fetched.id == second.id and fetched.output_text == "tool result: sunny, 21 C"
    assert fetched.previous_response_id == first.id and fetched.status == "completed"
    items = api.responses.input_items.list(second.id)
    assert [i.type for i in items.data] == ["function_call_output"]
    assert items.data[0].call_id == call.call_id and items.data[0].id
    first_items = api.responses.input_items.list(first.id, order="asc")
    assert first_items.data[0].type == "message"
    assert first_items.data[0].content[0].text == "What is the weather in Paris?"
    assert not emulator.requests(api_path=f"/v1/responses/{second.id}")  # answered by the gateway itself

    api.responses.delete(third.id)
    with pytest.raises(openai.NotFoundError):
        api.responses.retrieve(third.id)
    # a deleted turn can no longer be continued
    with pytest.raises(openai.BadRequestError):
        api.responses.create(model="claude-haiku-4-5", previous_response_id=third.id, input="More?")
    # cancelling is for background responses only
    resp = requests.post(f"{gateway.url}/v1/responses/{second.id}/cancel",
                         headers={"Authorization": f"Bearer {gateway.key}"}, timeout=10)
    assert resp.status_code == 400 and "background" in resp.json()["error"]["message"]


def test_another_users_token_sees_nothing(gateway, emulator):
    mine = client(gateway).responses.create(model="claude-haiku-4-5", input="A private note.")
    theirs = client(gateway, gateway.other_key)
    with pytest.raises(openai.NotFoundError):
        theirs.responses.retrieve(mine.id)
    with pytest.raises(openai.NotFoundError):
        theirs.responses.input_items.list(mine.id)
    with pytest.raises(openai.NotFoundError):
        theirs.responses.delete(mine.id)
    with pytest.raises(openai.BadRequestError) as exc:
        theirs.responses.create(model="claude-haiku-4-5", previous_response_id=mine.id, input="What was it?")
    assert "not found" in str(exc.value)
    assert client(gateway).responses.retrieve(mine.id).output_text == "echo: A private note."
    assert len(emulator.requests(api_path="/v1/messages")) == 1  # nothing of theirs reached the provider


def test_store_false_keeps_nothing(gateway):
    api = client(gateway)
    unstored = api.responses.create(model="gemini-2.5-flash", input="Forget me.", store=False)
    with pytest.raises(openai.BadRequestError):
        api.responses.create(model="gemini-2.5-flash", previous_response_id=unstored.id, input="Still there?")


def test_native_channel_passes_previous_response_id_through(gateway, emulator):
    api = client(gateway)
    first = api.responses.create(model="gpt-5-mini", input="Native first.")
    second = api.responses.create(model="gpt-5-mini", previous_response_id=first.id, input="Native second.")
    sent = emulator.requests(api_path="/v1/responses")
    assert sent[-1]["json"]["previous_response_id"] == first.id
    assert sent[-1]["json"]["input"] == "Native second."  # untouched: OpenAI keeps the state
    # ids the store does not know are answered by the OpenAI channel
    assert api.responses.retrieve(second.id).id == second.id
    assert emulator.requests(api_path=f"/v1/responses/{second.id}")


def test_native_channel_continues_a_converted_conversation(gateway, emulator):
    api = client(gateway)
    first = api.responses.create(model="claude-haiku-4-5", input="Started on Claude.")
    second = api.responses.create(model="gpt-5-mini", previous_response_id=first.id, input="Go on, GPT.")
    body = emulator.requests(api_path="/v1/responses")[-1]["json"]
    assert "previous_response_id" not in body
    texts = [json.dumps(item.get("content")) for item in body["input"]]
    assert "Started on Claude." in texts[0] and "echo: Started on Claude." in texts[1] and "Go on, GPT." in texts[2]
    assert second.output_text.startswith("echo: ")


def test_background_response_is_run_and_stored(gateway, emulator):
    api = client(gateway)
    queued = api.responses.create(model="claude-haiku-4-5", input="Work in the background.", background=True)
    assert queued.status in ("queued", "in_progress") and queued.background
    deadline = time.time() + 10
    while time.time() < deadline:
        done = api.responses.retrieve(queued.id)
        if done.status not in ("queued", "in_progress"):
            break
        time.sleep(0.1)
    assert done.status == "completed" and done.id == queued.id
    assert done.output_text == "echo: Work in the background."
    follow = api.responses.create(model="claude-haiku-4-5", previous_response_id=queued.id, input="And then?")
    assert follow.output_text == "echo: And then?"
    assert len(emulator.last_request("/v1/messages")["json"]["messages"]) == 3
    # cancelling a finished background response leaves it as it was
    assert api.responses.cancel(queued.id).status == "completed"


def test_background_response_can_be_cancelled(gateway):
    api = client(gateway)
    queued = api.responses.create(model="claude-slow", input="Take your time.", background=True)
    cancelled = api.responses.cancel(queued.id)
    assert cancelled.status == "cancelled" and cancelled.id == queued.id
    time.sleep(1.2)  # the upstream answers meanwhile; the cancellation stands
    assert api.responses.retrieve(queued.id).status == "cancelled"


def test_gemini_call_signature_survives_the_replay(gateway, emulator):
    api = client(gateway)
    first = api.responses.create(model="gemini-2.5-flash", input="What is the weather in Rome?",
                                 tools=[WEATHER_TOOL], reasoning={"effort": "low"})
    call = next(item for item in first.output if item.type == "function_call")
    signed = emulator.requests()[-1]
    assert "thinkingConfig" in signed["json"]["generationConfig"]
    api.responses.create(model="gemini-2.5-flash", previous_response_id=first.id, tools=[WEATHER_TOOL],
                         input=[{"type": "function_call_output", "call_id": call.call_id, "output": "rainy"}])
    model_turn = emulator.requests()[-1]["json"]["contents"][1]
    part = next(p for p in model_turn["parts"] if "functionCall" in p)
    assert part["thoughtSignature"] == "ZW11LXRob3VnaHQtc2lnbmF0dXJl"  # the emulator's own, sent back as issued
