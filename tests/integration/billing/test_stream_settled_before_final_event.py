"""A streamed request is settled and committed before its final event goes out.

SDKs stop reading at the final event (the OpenAI SDK closes the response at ``data: [DONE]``) and a client may
read its cost, log row and balance right then. With the ledger's group commit spaced out
(LEDGER_FLUSH_INTERVAL_MS), a settlement made only after the stream ended would still be queued: the cost row
would show the reservation's estimate, or nothing.
"""
from __future__ import annotations

import pytest
import requests

from tests.emulator import start_emulator
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.gateway_world import ROOT_ACCESS_TOKEN, ROOT_KEY
from tests.support.server import GatewayServer

CLAUDE = "claude-3-5-haiku-20241022"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("settled-before-final")
    tdb = dbs.create("sqlite", tmp)
    dbs.load_original_fixture(tdb)
    emu = start_emulator()
    server = GatewayServer(gateway_env(tdb, GLOBAL_RELAY_RATE_LIMIT="0", SHUTDOWN_TIMEOUT="1",
                                       LEDGER_FLUSH_INTERVAL_MS="400"),
                           workers=2, log_path=str(tmp / "gateway.log"))
    server.start()
    channels = {}
    for label, type_id, model, base_url in (("openai", 1, "gpt-4o-mini", emu.url), ("claude", 14, CLAUDE, emu.url),
                                            ("cut", 1, "gpt-4o-mini", emu.scenario_url("cut"))):
        resp = requests.post(server.url + "/api/channel/", headers={"Authorization": ROOT_ACCESS_TOKEN}, timeout=15,
                             json={"type": type_id, "key": "sk-test", "name": f"final-{label}", "base_url": base_url,
                                   "models": model, "group": "default"})
        assert resp.json()["success"], resp.text
        channels[label] = dbs.raw_query(tdb, f"SELECT id FROM channels WHERE name = 'final-{label}'")[0][0]
    yield server, tdb, channels
    server.stop()
    emu.stop()


def _read_until(resp: requests.Response, final: str) -> None:
    for line in resp.iter_lines(decode_unicode=True):
        if line.strip() == final:
            resp.close()  # as the SDK does: nothing more is read
            return
    raise AssertionError(f"the stream ended without {final!r}")


@pytest.mark.parametrize("path, channel, body, final", [
    ("/v1/chat/completions", "openai", {"model": "gpt-4o-mini", "stream": True,
                                 "messages": [{"role": "user", "content": "hi"}]}, "data: [DONE]"),
    ("/v1/chat/completions", "claude", {"model": CLAUDE, "stream": True,  # converted: [DONE] made by the gateway
                                  "messages": [{"role": "user", "content": "hi"}]}, "data: [DONE]"),
    ("/v1/messages", "claude", {"model": CLAUDE, "stream": True, "max_tokens": 50,
                          "messages": [{"role": "user", "content": "hi"}]}, "event: message_stop"),
    ("/v1/responses", "openai", {"model": "gpt-4o-mini", "stream": True, "input": "hi"}, "event: response.completed"),
    ("/v1/chat/completions", "cut", {"model": "gpt-4o-mini", "stream": True,  # the gateway's error event, then [DONE]
                                     "messages": [{"role": "user", "content": "hi"}]}, "data: [DONE]"),
], ids=["chat", "chat-from-claude", "messages", "responses", "upstream-cut"])
def test_cost_and_log_are_final_when_the_client_has_the_final_event(world, path, channel, body, final):
    server, tdb, channels = world
    resp = requests.post(server.url + path, json=body, stream=True, timeout=30,
                         headers={"Authorization": f"Bearer sk-{ROOT_KEY}-{channels[channel]}"})
    assert resp.status_code == 200
    request_id = resp.headers["X-Oneapi-Request-Id"]
    _read_until(resp, final)
    cost = requests.get(f"{server.url}/api/cost/request/{request_id}", timeout=10).json()
    logged = dbs.raw_query(tdb, f"SELECT quota FROM logs WHERE request_id = '{request_id}'")
    assert logged, "no consume log row yet"
    assert cost.get("quota") == logged[0][0] > 0
