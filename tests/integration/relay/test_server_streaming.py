"""Streaming through the real gunicorn+gevent server: event-by-event relay, client disconnects, upstream cuts,
and 200 concurrent streams completing interleaved on one worker."""
from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from tests.integration.relay.conftest import ROOT_KEY
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

HEADERS = {"Authorization": f"Bearer sk-{ROOT_KEY}"}
BODY = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory, stub):
    tmp = tmp_path_factory.mktemp("relay-server")
    tdb = dbs.create("sqlite", tmp)
    dbs.load_original_fixture(tdb)
    import sqlite3
    conn = sqlite3.connect(tdb.sqlite_path)
    conn.execute("UPDATE channels SET base_url = ? WHERE id = 1", (stub.base("c1"),))
    conn.commit()
    conn.close()
    srv = GatewayServer(gateway_env(tdb, GLOBAL_RELAY_RATE_LIMIT="100000", SHUTDOWN_TIMEOUT="2"), log_path=str(tmp / "gateway.log"))
    srv.start()
    srv.tdb = tdb
    # warm the worker (lazy imports, tokenizer) so timings below measure relaying only
    requests.post(srv.url + "/v1/chat/completions", json={**BODY, "stream": False}, headers=HEADERS, timeout=30)
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _fresh_stub(stub):
    stub.reset()
    yield
    stub.reset()


def _events(resp):
    """(arrival time, data) of each SSE data line, read as it arrives."""
    buffer = b""
    for chunk in resp.iter_content(chunk_size=None):  # whatever has arrived, at once
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.startswith(b"data: "):
                yield time.monotonic(), line[6:].decode()


def test_stream_is_relayed_event_by_event(server, stub):
    stub.events, stub.event_delay = 5, 0.25
    started = time.monotonic()
    with requests.post(server.url + "/v1/chat/completions", json=BODY, headers=HEADERS, stream=True,
                       timeout=30) as resp:
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        assert resp.headers["X-Accel-Buffering"] == "no" and resp.headers["Cache-Control"] == "no-cache"
        assert resp.headers["X-Oneapi-Request-Id"].isdigit()
        arrivals = list(_events(resp))
    assert arrivals[-1][1] == "[DONE]"
    chunks = [json.loads(d) for _, d in arrivals[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "Hello from the stub upstream"[:len(text)] and len(text) > 10
    assert chunks[-1]["usage"]["completion_tokens"] == 6  # include_usage was asked of the upstream
    assert stub.records[-1]["json"]["stream_options"] == {"include_usage": True}
    # the first event arrived long before the upstream finished (no buffering anywhere)
    assert arrivals[0][0] - started < 0.25 * 3
    assert arrivals[-1][0] - arrivals[0][0] > 0.25 * 3


def test_client_disconnect_stops_the_upstream_read(server, stub):
    stub.events, stub.event_delay = 60, 0.1
    resp = requests.post(server.url + "/v1/chat/completions", json=BODY, headers=HEADERS, stream=True, timeout=30)
    seen = 0
    for _ in _events(resp):
        seen += 1
        if seen == 3:
            break
    resp.close()
    deadline = time.time() + 5
    while time.time() < deadline and not stub.stream_log[-1]["closed_early"]:
        time.sleep(0.05)
    log = stub.stream_log[-1]
    assert log["closed_early"] and not log["finished"]
    assert log["sent"] < 20  # stopped within about a second, not after all 60 events
    # billed for what was delivered, counted locally
    rid = resp.headers["X-Oneapi-Request-Id"]
    rows = []
    for _ in range(40):
        rows = dbs.raw_query(server.tdb, f"SELECT completion_tokens, metadata FROM logs WHERE request_id = '{rid}'")
        if rows:
            break
        time.sleep(0.05)
    assert rows and rows[0][0] >= 3 and json.loads(rows[0][1])["estimated"] is True


def test_upstream_cut_mid_stream_gives_an_error_event(server, stub):
    stub.behave("c1", "cut")
    with requests.post(server.url + "/v1/chat/completions", json=BODY, headers=HEADERS, stream=True,
                       timeout=30) as resp:
        assert resp.status_code == 200
        data = [d for _, d in _events(resp)]
    assert data[-1] == "[DONE]"
    error = json.loads(data[-2])["error"]
    assert "(request id: " in error["message"]
    assert json.loads(data[0])["choices"][0]["delta"]["content"] == "Hello"  # what arrived was delivered
    # billed for what was delivered, marked as estimated by counting
    time.sleep(0.3)
    rows = dbs.raw_query(server.tdb, "SELECT completion_tokens, metadata FROM logs ORDER BY id DESC LIMIT 1")
    assert rows and rows[0][0] > 0
    assert json.loads(rows[0][1] or "{}").get("estimated") is True


def test_200_concurrent_streams_complete_interleaved(server, stub):
    stub.events, stub.event_delay = 6, 0.5
    n = 200
    results: list = [None] * n

    def one(i: int) -> None:
        try:
            with requests.post(server.url + "/v1/chat/completions", json=BODY, headers=HEADERS, stream=True,
                               timeout=60) as resp:
                arrivals = [t for t, _ in _events(resp)]
                results[i] = (resp.status_code, arrivals[0], arrivals[-1], len(arrivals))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - started
    failures = [r for r in results if not isinstance(r, tuple) or r[0] != 200]
    assert not failures, failures[:3]
    assert all(r[3] == 6 + 3 for r in results)  # 6 deltas, finish, usage, [DONE]
    # the streams ran at the same time, not one after another: at least half were open at once
    edges = sorted([(r[1], 1) for r in results] + [(r[2], -1) for r in results])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    assert peak >= 100, peak
    assert elapsed < 60, elapsed  # serially this would take 200 x 3 s


def test_official_sdks_against_the_gateway(server, stub):
    import anthropic
    import openai
    client = openai.OpenAI(base_url=server.url + "/v1", api_key=f"sk-{ROOT_KEY}", max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "Hello from the stub upstream."
    assert reply.usage.total_tokens == 17
    stream = client.chat.completions.create(model="gpt-4o-mini", stream=True,
                                            stream_options={"include_usage": True},
                                            messages=[{"role": "user", "content": "hi"}])
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).startswith("Hello")
    assert chunks[-1].usage.completion_tokens == 6
    emb = client.embeddings.create(model="text-embedding-3-small", input="abc")
    assert emb.data[0].embedding == [0.1, 0.2]
    assert "gpt-4o" in [m.id for m in client.models.list()]
    with pytest.raises(openai.AuthenticationError) as bad:
        openai.OpenAI(base_url=server.url + "/v1", api_key="sk-wrong", max_retries=0).models.list()
    assert "无效的令牌" in str(bad.value)

    claude = anthropic.Anthropic(base_url=server.url, api_key=f"sk-{ROOT_KEY}", max_retries=0)
    message = claude.messages.create(model="gpt-4o-mini", max_tokens=50,
                                     messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == "Hello from the stub upstream."
    assert message.usage.output_tokens == 6
