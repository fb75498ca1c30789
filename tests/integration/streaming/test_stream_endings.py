"""How a stream ends when the upstream misbehaves: a cut mid-body and an upstream that goes silent
(STREAM_IDLE_TIMEOUT) both end the client's stream with an error event, and the request is billed once."""
from __future__ import annotations

import time

import pytest
import requests

from tests.integration.streaming.world import ROOT_KEY, start_world
from tests.support import dbs

BODY = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hello there"}]}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tdb, server, stub = start_world(tmp_path_factory.mktemp("stream-endings"), STREAM_IDLE_TIMEOUT="1",
                                    SHUTDOWN_TIMEOUT="5")
    yield tdb, server, stub
    server.stop()
    stub.stop()


def _stream(server) -> tuple[str, bytes, float]:
    started = time.monotonic()
    with requests.post(server.url + "/v1/chat/completions", json=BODY, stream=True, timeout=30,
                       headers={"Authorization": "Bearer sk-" + ROOT_KEY}) as resp:
        assert resp.status_code == 200
        return resp.headers["X-Oneapi-Request-Id"], resp.content, time.monotonic() - started


def _logged(tdb, request_id: str, wait: float = 10.0) -> list[tuple]:
    deadline = time.monotonic() + wait
    while True:
        rows = dbs.raw_query(tdb, f"SELECT quota FROM logs WHERE type = 2 AND request_id = '{request_id}'")
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_upstream_cut_ends_the_stream_with_an_error_event(world):
    tdb, server, stub = world
    stub.reset()
    stub.behave("c1", "cut")
    request_id, content, _ = _stream(server)
    assert b'"error"' in content and b"upstream connection lost" in content and b"stop" not in content
    assert len(_logged(tdb, request_id)) == 1


def test_silent_upstream_is_ended_after_the_idle_limit(world):
    tdb, server, stub = world
    stub.reset()
    stub.events, stub.event_delay = 4, 4.0  # 4 s between events; the idle limit is 1 s
    request_id, content, seconds = _stream(server)
    assert b'"error"' in content and b"sent nothing for 1 seconds" in content and b'"stop"' not in content
    assert seconds < 3.5
    assert len(_logged(tdb, request_id)) == 1
