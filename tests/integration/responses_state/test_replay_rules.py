"""The replay rules on their own (no server): how input is normalised and what a native channel is sent."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from oneapi.relay.errors import RelayError
from oneapi.relay.responses_state import replay, store

CALLER = SimpleNamespace(user=SimpleNamespace(id=7), token=SimpleNamespace(id=3))


def _rr(body):
    return SimpleNamespace(json=body, client_format="responses", raw=b"", model=body.get("model", ""))


def _row(input_items, output, previous=""):
    import orjson
    return SimpleNamespace(input=orjson.dumps(input_items).decode(),
                           response=orjson.dumps({"output": output}).decode(), previous_response_id=previous)


def test_normalize_input_types_items_and_gives_ids():
    items = replay.normalize_input([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"},
                                    {"type": "function_call_output", "call_id": "c1", "output": "x"}])
    assert [i["type"] for i in items] == ["message", "message", "function_call_output"]
    assert items[0]["content"] == [{"type": "input_text", "text": "hi"}]
    assert items[1]["content"] == [{"type": "output_text", "text": "yo"}]
    assert items[0]["id"].startswith("msg_") and items[2]["id"].startswith("fco_")
    assert replay.normalize_input("just text")[0]["content"][0]["text"] == "just text"
    assert replay.normalize_input(None) == []


def test_history_is_prepended_oldest_first(monkeypatch):
    turns = [_row([{"type": "message", "role": "user", "content": "one"}],
                  [{"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}]),
             _row([{"type": "function_call_output", "call_id": "c1", "output": "done"}],
                  [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "two"}]}])]
    monkeypatch.setattr(store, "chain", lambda rid, uid: turns if (rid, uid) == ("resp_b", 7) else None)
    body = replay.replay_history(_rr({"previous_response_id": "resp_b", "input": "three"}), CALLER)
    assert [i.get("type") for i in body["input"]] == ["message", "function_call", "function_call_output",
                                                      "message", "message"]
    assert body["input"][-1]["content"][0]["text"] == "three"
    assert body["previous_response_id"] == "resp_b"  # still echoed in the answer
    with pytest.raises(RelayError) as exc:
        replay.replay_history(_rr({"previous_response_id": "resp_other", "input": "x"}), CALLER)
    assert exc.value.status == 400 and exc.value.param == "previous_response_id"


def test_bodies_without_previous_id_are_untouched():
    body = {"input": "hello", "model": "m"}
    assert replay.replay_history(_rr(body), CALLER) is body
    chat = SimpleNamespace(json={"messages": [], "previous_response_id": "x"}, client_format="chat")
    assert replay.replay_history(chat, CALLER) is chat.json


def test_native_channels_get_only_what_openai_can_read(monkeypatch):
    turns = [_row([{"type": "message", "role": "user", "content": "q", "id": "msg_local"}],
                  [{"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "anthropic:sig"},
                   {"type": "reasoning", "id": "rs_2", "summary": [], "encrypted_content": "gAAA-openai"},
                   {"type": "message", "id": "msg_2", "role": "assistant",
                    "content": [{"type": "output_text", "text": "a"}]}])]
    monkeypatch.setattr(store, "chain", lambda rid, uid: turns)
    monkeypatch.setattr(store, "find_for_user", lambda rid, uid: object())
    native = replay.for_native(_rr({"previous_response_id": "resp_a", "input": "next"}), CALLER)
    assert "previous_response_id" not in native.json
    kinds = [(i["type"], i.get("id")) for i in native.json["input"]]
    assert kinds == [("message", None), ("reasoning", "rs_2"), ("message", None), ("message", None)]
    assert b"anthropic:sig" not in native.raw
    monkeypatch.setattr(store, "find_for_user", lambda rid, uid: None)
    unknown = _rr({"previous_response_id": "resp_openai", "input": "next"})
    assert replay.for_native(unknown, CALLER) is unknown  # OpenAI's own id: passed through untouched
