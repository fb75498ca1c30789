"""What the relay does around the pipeline, kept cheap: body parsed once, CORS, session, request ids."""
from __future__ import annotations

import re

import orjson
import pytest

from tests.integration.relay.conftest import ROOT_KEY

AUTH = {"Authorization": f"Bearer sk-{ROOT_KEY}"}
TOOLS_BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "weather?"}],
              "tools": [{"type": "function", "function": {"name": "weather", "parameters": {
                  "type": "object", "properties": {"input": {"type": "string"}}}}}],
              "tool_choice": "auto"}


@pytest.fixture
def gw(sqlite_gateway):
    return sqlite_gateway


def test_a_body_format_detection_looks_into_is_parsed_once(gw, monkeypatch):
    raw = orjson.dumps(TOOLS_BODY)
    from oneapi.relay import format_detect
    assert format_detect.might_move("chat", raw), "the body carries detection markers"
    parses = []
    loads = orjson.loads

    def counting(data):
        if data == raw:
            parses.append(1)
        return loads(data)

    monkeypatch.setattr(orjson, "loads", counting)
    resp = gw.client.post("/v1/chat/completions", data=raw, content_type="application/json", headers=AUTH)
    assert resp.status_code == 200
    assert len(parses) == 1
    assert gw.stub.hits()[-1]["json"]["tool_choice"] == "auto"


def test_cors_on_a_relay_answer_echoes_the_origin(gw):
    resp = gw.chat(headers={"Origin": "https://app.example"})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert resp.headers.getlist("Access-Control-Allow-Origin") == ["https://app.example"]
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    assert resp.headers["Vary"] == "Origin, Cookie"


def test_relay_answers_set_no_session_cookie_and_carry_a_request_id(gw):
    resp = gw.chat()
    assert resp.status_code == 200
    assert "Set-Cookie" not in resp.headers
    assert resp.headers["Vary"] == "Cookie"
    # local YYYYMMDDhhmmss, nanoseconds (not padded), 8 random digits
    assert re.fullmatch(r"20\d{12}\d{1,9}\d{8}", resp.headers["X-Oneapi-Request-Id"])
