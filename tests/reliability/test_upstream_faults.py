"""Upstream faults through the real gunicorn gateway: the client gets a clean answer (after failover where
another channel exists) or a clean error in its own format, and the ledger explains every quota unit.

Each case has its own model name with a faulty channel (priority 10) and, for the failover variant, a healthy
backup channel (priority 0). The provider is the emulator (tests/emulator) selected by scenario URL.
"""
from __future__ import annotations

import json
import time

import pytest
import requests

from tests.emulator.fixtures import emulator_fixture
from tests.reliability import world
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer, free_port

RELAY_TIMEOUT = 2
# name -> (emulator scenario or "refused", status of the clean error when no other channel can answer)
FAULTS = {
    "refused": ("refused", 502),
    "timeout": ("slow=6000", 504),
    "fail500": ("fail500", 500),
    "fail503": ("fail503", 503),
    "rate429": ("rate429", 429),
    "rate429_noretry": ("rate429_noretry", 429),
    "malformed": ("malformed", 502),
}


STORY = "tell me a long story about " + " ".join(["the", "river", "and", "stone"] * 15)


def _model(fault: str, stream: bool, backup: bool, client: str = "openai") -> str:
    return f"rf-{fault}-{'s' if stream else 'n'}-{'b' if backup else 'x'}-{client}"


def _cases(stream: bool) -> list[str]:
    """Faults before the first byte; a garbled stream has started already and cannot fail over."""
    return [f for f in FAULTS if not (stream and f == "malformed")]


emu = emulator_fixture()


@pytest.fixture(scope="module")
def gateway(emu, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("upstream-faults")
    tdb = dbs.create("sqlite", tmp)
    dbs.load_original_fixture(tdb)
    db = world.Db(tdb)
    world.prepare(db)
    dead = f"http://127.0.0.1:{free_port()}"
    channel_id = 300
    for fault, (spec, _status) in FAULTS.items():
        for stream in (False, True):
            for backup, client in ((True, "openai"), (False, "openai"), (False, "claude")):
                model = _model(fault, stream, backup, client)
                channel_id += 1
                world.add_channel(db, channel_id, dead if spec == "refused" else emu.scenario_url(spec), model, 10)
                if backup:
                    channel_id += 1
                    world.add_channel(db, channel_id, emu.url, model, 0)
    for model, spec in (("rf-cut", "cut"), ("rf-stall", "stall=60000"), ("rf-pause", "stall=800"),
                        ("rf-malformed-stream", "malformed"), ("rf-streamerror", "streamerror")):
        for client in ("openai", "claude"):
            channel_id += 1
            world.add_channel(db, channel_id, emu.scenario_url(spec), f"{model}-{client}")
    env = gateway_env(tdb, RELAY_TIMEOUT=str(RELAY_TIMEOUT), GLOBAL_RELAY_RATE_LIMIT="0", SYNC_FREQUENCY="60")
    server = GatewayServer(env, log_path=str(tmp / "gateway.log")).start()
    yield server, db
    server.stop()


def _post(server, path: str, body: dict) -> requests.Response:
    headers = {"Authorization": f"Bearer sk-{world.ADMIN_KEY}", "anthropic-version": "2023-06-01"}
    return requests.post(server.url + path, json=body, headers=headers, timeout=30)


def _chat(model: str, stream: bool) -> dict:
    return {"model": model, "stream": stream, "messages": [{"role": "user", "content": STORY}],
            **({"stream_options": {"include_usage": True}} if stream else {})}


def _claude(model: str, stream: bool) -> dict:
    return {"model": model, "stream": stream, "max_tokens": 500,
            "messages": [{"role": "user", "content": STORY}]}


def _settled(db, request_id: str, timeout: float = 5.0) -> int | None:
    """The request's final cost record (a stream is settled just after its last byte), or None if none."""
    deadline = time.time() + timeout
    while True:
        quota = world.costs(db).get(request_id[:32])
        logged = db.run("SELECT COUNT(*) FROM logs WHERE type = 2 AND request_id = ?", (request_id,))[0][0]
        if quota == 0 or logged or time.time() > deadline:
            return quota
        time.sleep(0.1)


def _sse_data(text: str) -> list[str]:
    return [line[6:] for line in text.split("\n") if line.startswith("data: ")]


@pytest.mark.parametrize("fault, stream", [(f, s) for s in (False, True) for f in _cases(s)])
def test_fault_fails_over_to_the_other_channel(gateway, emu, fault, stream):
    server, db = gateway
    before = world.snapshot(db)
    emu.clear()
    model = _model(fault, stream, True)
    started = time.time()
    resp = _post(server, "/v1/chat/completions", _chat(model, stream))
    assert resp.status_code == 200, resp.text
    if stream:
        data = _sse_data(resp.text)
        assert data[-1] == "[DONE]" and not any("error" in json.loads(d) for d in data[:-1]), resp.text
    else:
        assert resp.json()["choices"][0]["message"]["content"].startswith("echo:")
    assert time.time() - started < RELAY_TIMEOUT + 5
    scenarios = [r["scenario"] for r in emu.requests()]
    assert scenarios[-1] == "" and (fault == "refused" or scenarios[0] == FAULTS[fault][0]), scenarios

    rid = resp.headers["X-Oneapi-Request-Id"]
    quota = _settled(db, rid)
    rows = world.consume_rows(db, before["last_log"])
    assert set(rows) == {rid}, "one consume row, for this request only"
    user_id, _token, channel_id, logged, _completion, _meta = rows[rid]
    backup_id = db.run("SELECT channel_id FROM abilities WHERE model = ? AND priority = 0", (model,))[0][0]
    assert (user_id, channel_id) == (world.USER_ID, backup_id) and logged > 0 and quota == logged
    world.assert_ledger_explained(db, before, world.snapshot(db), rows)


@pytest.mark.parametrize("client", ["openai", "claude"])
@pytest.mark.parametrize("fault, stream", [(f, s) for s in (False, True) for f in _cases(s)])
def test_fault_without_other_channel_is_a_clean_error_and_refunded(gateway, emu, fault, stream, client):
    server, db = gateway
    before = world.snapshot(db)
    model = _model(fault, stream, False, client)
    started = time.time()
    if client == "openai":
        resp = _post(server, "/v1/chat/completions", _chat(model, stream))
    else:
        resp = _post(server, "/v1/messages", _claude(model, stream))
    assert time.time() - started < RELAY_TIMEOUT + 5
    assert resp.status_code == FAULTS[fault][1], resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    if client == "openai":
        assert set(body) == {"error"} and body["error"]["message"] and "type" in body["error"], body
    else:
        assert body["type"] == "error" and body["error"]["type"].endswith("_error") and body["error"]["message"]
    if FAULTS[fault][1] == 429:
        assert "饱和" in (body["error"]["message"])  # the original's wording, whatever the provider said

    rid = resp.headers["X-Oneapi-Request-Id"]
    assert _settled(db, rid) in (0, None), "a failed request keeps no charge"
    after = world.snapshot(db)
    assert world.consume_rows(db, before["last_log"]) == {}
    assert after["users"][world.USER_ID] == before["users"][world.USER_ID], "refunded in full"
    assert after["tokens"][world.TOKEN_ID] == before["tokens"][world.TOKEN_ID]
    world.assert_ledger_explained(db, before, after, {})


def _stream_once(server, emu, model: str, client: str = "openai"):
    emu.clear()
    started = time.time()
    if client == "openai":
        resp = _post(server, "/v1/chat/completions", _chat(f"{model}-openai", True))
    else:
        resp = _post(server, "/v1/messages", _claude(f"{model}-claude", True))
    return resp, time.time() - started, emu.requests()


@pytest.mark.parametrize("model, scenario", [("rf-cut", "cut"), ("rf-stall", "stall=60000")])
@pytest.mark.parametrize("client", ["openai", "claude"])
def test_broken_stream_ends_with_an_error_event_and_is_billed_once_for_what_was_delivered(
        gateway, emu, model, scenario, client):
    server, db = gateway
    before = world.snapshot(db)
    resp, elapsed, upstream = _stream_once(server, emu, model, client)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
    assert elapsed < RELAY_TIMEOUT + 5, "a stalled stream ends at the relay timeout"
    data = _sse_data(resp.text)
    if client == "openai":
        errors = [json.loads(d)["error"] for d in data if d != "[DONE]" and "error" in json.loads(d)]
        delivered = "".join(c["delta"].get("content") or "" for d in data if d != "[DONE]"
                            for c in json.loads(d).get("choices", []))
    else:
        events = [json.loads(d) for d in data]
        errors = [e["error"] for e in events if e.get("type") == "error"]
        delivered = "".join(e["delta"].get("text", "") for e in events if e.get("type") == "content_block_delta")
        assert not any(e.get("type") == "message_stop" for e in events)
    assert len(errors) == 1 and errors[0]["message"], data
    assert delivered and upstream[0]["scenario"] == scenario

    rid = resp.headers["X-Oneapi-Request-Id"]
    quota = _settled(db, rid)
    rows = world.consume_rows(db, before["last_log"])
    assert set(rows) == {rid}, "billed exactly once"
    _user, _token, _channel, logged, completion, meta = rows[rid]
    from oneapi.billing import tokenizer
    assert completion == tokenizer.count_text(delivered, world.UPSTREAM_MODEL), "billed for what was delivered"
    assert completion < upstream[0]["reply"]["output_tokens"], "not for the whole answer"
    assert json.loads(meta or "{}").get("estimated") is True
    assert quota == logged > 0
    world.assert_ledger_explained(db, before, world.snapshot(db), rows)


def test_pause_shorter_than_the_timeout_completes_normally(gateway, emu):
    server, db = gateway
    before = world.snapshot(db)
    resp, _elapsed, upstream = _stream_once(server, emu, "rf-pause")
    data = _sse_data(resp.text)
    assert resp.status_code == 200 and data[-1] == "[DONE]"
    usage = [json.loads(d)["usage"] for d in data[:-1] if json.loads(d).get("usage")]
    rid = resp.headers["X-Oneapi-Request-Id"]
    _settled(db, rid)
    rows = world.consume_rows(db, before["last_log"])
    assert rows[rid][4] == usage[-1]["completion_tokens"] == upstream[0]["reply"]["output_tokens"]
    world.assert_ledger_explained(db, before, world.snapshot(db), rows)


@pytest.mark.parametrize("client", ["openai", "claude"])
@pytest.mark.parametrize("model", ["rf-malformed-stream", "rf-streamerror"])
def test_garbled_or_failing_stream_is_billed_at_most_once(gateway, emu, model, client):
    server, db = gateway
    before = world.snapshot(db)
    resp, _elapsed, _upstream = _stream_once(server, emu, model, client)
    assert resp.status_code == 200
    data = _sse_data(resp.text)
    last = {} if data[-1] == "[DONE]" else json.loads(data[-1])
    assert data[-1] == "[DONE]" or "error" in last or last.get("type") == "message_stop", data[-3:]
    rid = resp.headers["X-Oneapi-Request-Id"]
    _settled(db, rid)
    rows = world.consume_rows(db, before["last_log"])
    assert set(rows) <= {rid}
    world.assert_ledger_explained(db, before, world.snapshot(db), rows)
