"""Failure modes of a realistic upstream (the provider emulator): timeouts, stalls, stream errors, no usage."""
from __future__ import annotations

import json

import pytest

from tests.emulator.fixtures import emulator_fixture
from tests.integration.relay.conftest import sqlite_fixture_gateway
from tests.integration.relay.test_failover import MODEL, add_channels


emu = emulator_fixture()


@pytest.fixture
def gw(tmp_path, stub, emu):
    gateway = sqlite_fixture_gateway(tmp_path, stub, RELAY_TIMEOUT="1")
    gateway.point_channels(c1=emu.url)
    emu.clear()
    return gateway


def _data(resp) -> list[str]:
    return [line[6:] for line in resp.data.decode().split("\n") if line.startswith("data: ")]


def test_timeout_fails_over(gw, emu):
    add_channels(gw, [(101, emu.scenario_url("slow=2500"), 3, 0), (102, emu.url, 2, 0)])
    resp = gw.chat(model=MODEL)
    assert resp.status_code == 200, resp.data
    assert [r["scenario"] for r in emu.requests()] == ["slow=2500", ""]


def test_each_upstream_failure_fails_over(gw, emu):
    from oneapi.models import Ability
    for i, spec in enumerate(("fail502", "rate429", "auth401", "overloaded")):
        emu.clear()
        with gw.db():
            Ability.delete().where(Ability.model == MODEL).execute()
        add_channels(gw, [(201 + 2 * i, emu.scenario_url(spec), 3, 0), (202 + 2 * i, emu.url, 2, 0)])
        resp = gw.chat(model=MODEL)
        assert resp.status_code == 200, (spec, resp.data)
        assert [r["scenario"] for r in emu.requests()] == [spec, ""]


def test_keepalive_while_upstream_stalls(gw, emu, monkeypatch):
    from oneapi.relay import streaming
    monkeypatch.setattr(streaming, "KEEPALIVE_SECONDS", 0.2)
    gw.point_channels(c1=emu.scenario_url("stall=900"))
    resp = gw.chat(stream=True)
    assert resp.status_code == 200
    text = resp.data.decode()
    assert ": keep-alive" in text
    assert _data(resp)[-1] == "[DONE]"


def test_stream_error_event_is_relayed(gw, emu):
    gw.point_channels(c1=emu.scenario_url("streamerror"))
    resp = gw.chat(stream=True)
    assert resp.status_code == 200
    assert any("error" in json.loads(d) for d in _data(resp) if d != "[DONE]")


def test_stream_without_usage_is_billed_by_counting(gw, emu):
    from oneapi.models import Log
    gw.point_channels(c1=emu.scenario_url("nousage"))
    body = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "write a poem"}]}
    resp = gw.post("/v1/chat/completions", body)
    chunks = [json.loads(d) for d in _data(resp) if d != "[DONE]"]
    assert not any(c.get("usage") for c in chunks)
    with gw.db():
        row = Log.get(Log.request_id == resp.headers["X-Oneapi-Request-Id"])
    assert row.is_stream and row.completion_tokens > 0 and row.prompt_tokens > 0
    assert json.loads(row.metadata or "{}").get("estimated") is True


def test_stream_usage_from_upstream_is_billed_exactly(gw, emu):
    from oneapi.models import Log
    resp = gw.chat(stream=True)
    assert _data(resp)[-1] == "[DONE]"
    reply = emu.last_request("/v1/chat/completions")["reply"]
    with gw.db():
        row = Log.get(Log.request_id == resp.headers["X-Oneapi-Request-Id"])
    assert (row.prompt_tokens, row.completion_tokens) == (reply["input_tokens"], reply["output_tokens"])
    assert not json.loads(row.metadata or "{}").get("estimated")
