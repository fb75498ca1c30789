"""A real gunicorn gateway on the original fixture database, with the provider emulator, for provider tests
that create channels through the admin API and send requests pinned to them (``sk-<key>-<channel id>``)."""
from __future__ import annotations

import time

import requests

from tests.emulator import start_emulator
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

# The original fixture's root user: its unlimited API token and its access token for the admin API.
ROOT_KEY = "WrEDFbchfWe6cOBt21De92E15884505f62F71c9fD5Ad4b80"
ROOT_ACCESS_TOKEN = "aba5b28ef9d01bc4e2c22ae3ae9dbc6c"


class GatewayWorld:
    LOG_ROW_TRIES = 50  # polls 50 ms apart while the gateway writes the consume log row

    def __init__(self, server: GatewayServer, emu, tdb) -> None:
        self.server, self.emu, self.tdb = server, emu, tdb
        self.url = server.url

    def post(self, channel_id: int, path: str, body: dict, stream: bool = False, headers=None) -> requests.Response:
        return requests.post(self.url + path, json=body, stream=stream, timeout=60,
                             headers={"Authorization": f"Bearer sk-{ROOT_KEY}-{channel_id}", **(headers or {})})

    def log_row(self, request_id: str) -> tuple:
        for _ in range(self.LOG_ROW_TRIES):
            rows = dbs.raw_query(self.tdb, "SELECT quota, prompt_tokens, completion_tokens, model_name, channel_id "
                                           f"FROM logs WHERE request_id = '{request_id}'")
            if rows:
                return rows[0]
            time.sleep(0.05)
        raise AssertionError(f"no log row for request {request_id}")


def run_world(world_class: type[GatewayWorld], tmp_path_factory, name: str):
    """The body of a package-scoped ``world`` fixture: ``yield from run_world(World, tmp_path_factory, name)``."""
    tmp = tmp_path_factory.mktemp(name)
    tdb = dbs.create("sqlite", tmp)
    dbs.load_original_fixture(tdb)
    emu = start_emulator()
    server = GatewayServer(gateway_env(tdb, GLOBAL_RELAY_RATE_LIMIT="0", SHUTDOWN_TIMEOUT="1"),
                           log_path=str(tmp / "gateway.log"))
    server.start()
    yield world_class(server, emu, tdb)
    server.stop()
    emu.stop()


def sse_events(resp: requests.Response) -> list[tuple[str | None, str]]:
    """(event, data) pairs of an SSE response, in order."""
    out, event = [], None
    for line in resp.iter_lines(decode_unicode=True):
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            out.append((event, line[5:].strip()))
            event = None
    return out


def sse_data(resp: requests.Response) -> list[str]:
    """The data fields of an SSE response, in order."""
    return [data for _, data in sse_events(resp)]
