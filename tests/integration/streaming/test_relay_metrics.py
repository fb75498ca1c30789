"""The relay feeds Prometheus: after a few relayed requests through gunicorn, a scrape of /metrics shows the
relay outcomes, time to first token for streams, the upstream cut, the quota charged and no open streams."""
from __future__ import annotations

import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.streaming.world import ROOT_KEY, start_world
from tests.support import dbs

SCRAPE = {"Authorization": "Bearer scrape-secret"}


@pytest.fixture()
def world(tmp_path):
    tdb, server, stub = start_world(tmp_path, ENABLE_PROMETHEUS_METRICS="true", METRICS_TOKEN="scrape-secret")
    yield tdb, server, stub
    server.stop()
    stub.stop()


def _samples(text: str) -> dict:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def _value(samples: dict, name: str, **labels) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def _chat(server, stream: bool) -> requests.Response:
    body = {"model": "gpt-4o-mini", "stream": stream, "messages": [{"role": "user", "content": "hello there"}]}
    resp = requests.post(server.url + "/v1/chat/completions", json=body, timeout=30,
                         headers={"Authorization": "Bearer sk-" + ROOT_KEY})
    assert resp.status_code == 200
    return resp


def test_relayed_requests_show_up_in_a_scrape(world):
    tdb, server, stub = world
    last_log = dbs.raw_query(tdb, "SELECT COALESCE(MAX(id), 0) FROM logs")[0][0]
    for stream in (False, False, True, True):
        _chat(server, stream)
    stub.behave("c1", "cut")
    assert b"upstream connection lost" in _chat(server, True).content

    deadline = time.monotonic() + 10
    while True:  # settlement (and its log row) may trail the last byte a little
        charged = dbs.raw_query(tdb, "SELECT COALESCE(SUM(quota), 0), COUNT(*) FROM logs "
                                     f"WHERE type = 2 AND id > {last_log}")[0]
        if charged[1] >= 5 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    text = requests.get(server.url + "/metrics", headers=SCRAPE, timeout=10).text
    samples = _samples(text)
    assert _value(samples, "one_api_relay_requests_total", model="gpt-4o-mini", channel_id="1", status="200") == 5
    assert _value(samples, "one_api_relay_request_duration_seconds_count", model="gpt-4o-mini") == 5
    assert _value(samples, "one_api_relay_first_token_seconds_count", channel_id="1") == 3  # the streams
    assert _value(samples, "one_api_upstream_errors_total", kind="cut", channel_id="1") == 1
    assert _value(samples, "one_api_streams_in_flight") == 0
    assert charged[1] == 5 and _value(samples, "one_api_quota_consumed_total") == charged[0] > 0
    assert ROOT_KEY not in text and "sk-" not in text and stub.url not in text
