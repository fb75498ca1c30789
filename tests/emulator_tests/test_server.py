"""Serving modes, recording, scenario prefix and timing scenarios."""
import time

import pytest
import requests

from tests.emulator import start_emulator
from tests.emulator.scenarios import parse_spec, split_prefix

from .conftest import openai_client

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
AUTH = {"Authorization": "Bearer k"}


def test_scenario_prefix_parsing():
    assert split_prefix("/s/fail500,slow=300/v1/chat/completions") == ("fail500,slow=300", "/v1/chat/completions")
    assert split_prefix("/v1/chat/completions") == ("", "/v1/chat/completions")
    scenario = parse_spec("fail500,slow=300,chunks=7")
    assert scenario.has("fail500") and scenario.slow_ms == 300 and scenario.chunks == 7
    assert scenario.error()[:2] == (500, "server_error")
    assert parse_spec("ok").error() is None


@pytest.mark.parametrize("mode", ["subprocess", "werkzeug"])
def test_other_serving_modes_record_across_requests(mode):
    emulator = start_emulator(mode=mode)
    try:
        response = requests.post(emulator.url + "/s/ok/v1/chat/completions?x=1", json=CHAT, headers=AUTH)
        assert response.json()["choices"][0]["message"]["content"] == "echo: hi"
        stream = requests.post(emulator.url + "/v1/chat/completions", json={**CHAT, "stream": True}, headers=AUTH)
        assert stream.text.endswith("data: [DONE]\n\n")
        recorded = emulator.requests()
        assert [r["api_path"] for r in recorded] == ["/v1/chat/completions"] * 2
        assert recorded[0]["path"] == "/s/ok/v1/chat/completions" and recorded[0]["scenario"] == "ok"
        assert recorded[0]["query"] == {"x": "1"} and recorded[0]["json"] == CHAT
        assert recorded[0]["status"] == 200 and isinstance(recorded[0]["time"], float)
        emulator.clear()
        assert emulator.requests() == []
    finally:
        emulator.stop()


def test_requests_endpoint_over_http(fresh):
    requests.post(fresh.url + "/v1/chat/completions", json=CHAT, headers=AUTH)
    listed = requests.get(fresh.url + "/_emu/requests").json()
    assert len(listed) == 1 and listed[0]["headers"]["authorization"] == "Bearer k"
    assert requests.delete(fresh.url + "/_emu/requests").status_code == 200
    assert fresh.requests() == []


def test_keep_alive_requests_are_fast(emu):
    session = requests.Session()
    session.post(emu.url + "/v1/chat/completions", json=CHAT, headers=AUTH)
    timings = []
    for _ in range(11):
        start = time.perf_counter()
        session.post(emu.url + "/v1/chat/completions", json=CHAT, headers=AUTH)
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[5] < 0.03  # median: no 40 ms Nagle + delayed-ACK stalls


def test_slow_delays_first_byte(emu):
    start = time.perf_counter()
    requests.post(emu.url + "/s/slow=300/v1/chat/completions", json=CHAT, headers=AUTH)
    assert time.perf_counter() - start >= 0.3


def test_stall_pauses_mid_stream_then_continues(emu):
    client = openai_client(emu.scenario_url("stall=400"))
    stamps = [time.perf_counter()]
    for _ in client.chat.completions.create(model="m", stream=True,
                                            messages=[{"role": "user", "content": "a b c d e"}]):
        stamps.append(time.perf_counter())
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert max(gaps) >= 0.35 and sorted(gaps)[-2] < 0.25  # one long pause, half-way


def test_stall_does_not_block_other_requests(emu):
    import threading
    done = threading.Event()

    def stalled():
        requests.post(emu.url + "/s/stall=800/v1/chat/completions", json={**CHAT, "stream": True}, headers=AUTH)
        done.set()

    threading.Thread(target=stalled, daemon=True).start()
    time.sleep(0.1)
    start = time.perf_counter()
    requests.post(emu.url + "/v1/chat/completions", json=CHAT, headers=AUTH)
    assert time.perf_counter() - start < 0.3 and not done.is_set()
    assert done.wait(5)


def test_unknown_path_gets_openai_404(emu):
    response = requests.post(emu.url + "/v1/nothing", json={}, headers=AUTH)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (POST /v1/nothing)"


def test_failfirst_fails_only_the_first_requests(fresh):
    url = fresh.url + "/s/fail502,failfirst=2/v1/chat/completions"
    statuses = [requests.post(url, json=CHAT, headers=AUTH).status_code for _ in range(3)]
    assert statuses == [502, 502, 200]
    fresh.clear()  # clearing resets the counters
    assert requests.post(url, json=CHAT, headers=AUTH).status_code == 502


def test_stop_ends_a_stalled_stream():
    import threading
    emulator = start_emulator()
    outcome = {}

    def stalled():
        start = time.perf_counter()
        try:
            requests.post(emulator.url + "/s/stall/v1/chat/completions", json={**CHAT, "stream": True},
                          headers=AUTH, timeout=20)
        except requests.RequestException as exc:
            outcome["error"] = exc
        outcome["seconds"] = time.perf_counter() - start

    worker = threading.Thread(target=stalled, daemon=True)
    worker.start()
    time.sleep(0.2)
    emulator.stop()
    worker.join(10)
    assert "error" in outcome and outcome["seconds"] < 5
