"""A real gunicorn gateway on the original fixture database, with the provider emulator, and helpers to create
channels through the admin API and send requests pinned to them."""
from __future__ import annotations

import time

import pytest
import requests

from tests.emulator import start_emulator
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

ROOT_KEY = "WrEDFbchfWe6cOBt21De92E15884505f62F71c9fD5Ad4b80"
ROOT_ACCESS_TOKEN = "aba5b28ef9d01bc4e2c22ae3ae9dbc6c"


class World:
    def __init__(self, server: GatewayServer, emu, tdb) -> None:
        self.server, self.emu, self.tdb = server, emu, tdb
        self.url = server.url

    def admin(self, method: str, path: str, body=None) -> dict:
        resp = requests.request(method, self.url + path, json=body, timeout=15,
                                headers={"Authorization": ROOT_ACCESS_TOKEN})
        assert resp.status_code == 200, resp.text
        return resp.json()

    def create_channel(self, type_id: int, models: str, *, key: str = "sk-test", base_url: str = "",
                       config: str = "", name: str | None = None) -> int:
        name = name or f"t{type_id}-{time.monotonic_ns()}"
        out = self.admin("POST", "/api/channel/", {"type": type_id, "key": key, "name": name, "base_url": base_url,
                                                   "models": models, "group": "default", "config": config})
        assert out["success"], out
        rows = dbs.raw_query(self.tdb, f"SELECT id FROM channels WHERE name = '{name}'")
        return rows[0][0]

    def post(self, channel_id: int, path: str, body: dict, stream: bool = False) -> requests.Response:
        return requests.post(self.url + path, json=body, stream=stream, timeout=60,
                             headers={"Authorization": f"Bearer sk-{ROOT_KEY}-{channel_id}"})

    def log_row(self, request_id: str) -> tuple:
        for _ in range(50):
            rows = dbs.raw_query(self.tdb, "SELECT quota, prompt_tokens, completion_tokens, model_name, channel_id "
                                           f"FROM logs WHERE request_id = '{request_id}'")
            if rows:
                return rows[0]
            time.sleep(0.05)
        raise AssertionError(f"no log row for request {request_id}")


@pytest.fixture(scope="package")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("providers-more")
    tdb = dbs.create("sqlite", tmp)
    dbs.load_original_fixture(tdb)
    emu = start_emulator()
    server = GatewayServer(gateway_env(tdb, GLOBAL_RELAY_RATE_LIMIT="0", SHUTDOWN_TIMEOUT="1"),
                           log_path=str(tmp / "gateway.log"))
    server.start()
    yield World(server, emu, tdb)
    server.stop()
    emu.stop()


def sse_data(resp: requests.Response) -> list[str]:
    """The data fields of an SSE response, in order."""
    out = []
    for line in resp.iter_lines(decode_unicode=True):
        if line and line.startswith("data:"):
            out.append(line[5:].strip())
    return out
