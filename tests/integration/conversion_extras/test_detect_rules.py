"""Which bodies AUTO_DETECT_API_FORMAT moves to another format, and which it leaves alone (no server needed)."""
from __future__ import annotations

import dataclasses

import orjson
import pytest
from flask import Flask

from oneapi import config
from oneapi.relay import format_detect

USER = [{"role": "user", "content": "hi"}]

MOVED = [
    ("chat", {"model": "m", "input": "hi"}, "responses"),
    ("chat", {"model": "m", "input": [{"role": "user", "content": "hi"}]}, "responses"),
    ("claude", {"model": "m", "input": "hi", "max_output_tokens": 5}, "responses"),
    ("chat", {"model": "m", "max_tokens": 5, "system": "s", "messages": USER}, "claude"),
    ("chat", {"model": "m", "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}]}]}, "claude"),
    ("chat", {"model": "m", "messages": USER, "tools": [{"name": "t", "input_schema": {}}]}, "claude"),
    ("claude", {"model": "m", "messages": [{"role": "system", "content": "s"}, *USER]}, "chat"),
    ("claude", {"model": "m", "messages": USER, "max_completion_tokens": 5}, "chat"),
    ("claude", {"model": "m", "messages": USER, "tools": [{"type": "function", "function": {"name": "t"}}]}, "chat"),
    ("responses", {"model": "m", "messages": USER}, "chat"),
    ("responses", {"model": "m", "max_tokens": 5, "system": "s", "messages": USER}, "claude"),
]

KEPT = [
    ("chat", {"model": "m", "messages": USER}),
    ("chat", {"model": "m", "messages": USER, "max_tokens": 5, "top_k": 3}),
    ("chat", {"model": "m", "messages": USER, "thinking": {"type": "enabled", "budget_tokens": 2000}}),
    ("claude", {"model": "m", "messages": USER, "max_tokens": 5}),
    ("claude", {"model": "m", "system": "s", "messages": [{"role": "system", "content": "x"}, *USER]}),  # both
    ("responses", {"model": "m", "input": "hi"}),
    ("responses", {"model": "m", "input": "hi", "messages": USER}),
    ("chat", {"model": "m", "input": "hi", "messages": USER}),
    ("chat", ["not", "an", "object"]),
]


@pytest.mark.parametrize("endpoint,body,real", MOVED)
def test_moved(endpoint, body, real):
    assert format_detect.real_format(endpoint, body) == real


@pytest.mark.parametrize("endpoint,body", KEPT)
def test_kept(endpoint, body):
    assert format_detect.real_format(endpoint, body) is None


@pytest.mark.parametrize("enabled,expected", [(True, "responses"), (False, "chat")])
def test_the_setting_turns_it_off(monkeypatch, enabled, expected):
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, auto_detect_api_format=enabled))
    app = Flask(__name__)
    with app.test_request_context("/v1/chat/completions", method="POST", data=orjson.dumps({"input": "hi"}),
                                  content_type="application/json"):
        assert format_detect.serving_mode("chat") == expected
        assert format_detect.serving_mode("embeddings") == "embeddings"


@pytest.mark.parametrize("endpoint,body,real", MOVED)
def test_the_byte_prefilter_lets_every_moved_body_through(endpoint, body, real):
    import json
    for raw in (orjson.dumps(body), json.dumps(body).encode(), json.dumps(body, indent=2).encode()):
        assert format_detect.might_move(endpoint, raw)


def test_the_byte_prefilter_skips_ordinary_bodies():
    chat = {"model": "m", "messages": [{"role": "system", "content": "s"}, *USER], "temperature": 0.2}
    claude = {"model": "m", "max_tokens": 5, "system": "s", "messages": USER}
    assert not format_detect.might_move("chat", orjson.dumps(chat))
    assert not format_detect.might_move("claude", orjson.dumps(claude))
    assert not format_detect.might_move("responses", orjson.dumps({"model": "m", "input": "hi"}))
