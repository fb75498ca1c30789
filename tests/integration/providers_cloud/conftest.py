"""A real gunicorn gateway on the original fixture database with the provider emulator (Bedrock and Vertex
endpoints), and helpers to create cloud channels through the admin API and send requests pinned to them."""
from __future__ import annotations

import json
import time

import pytest
import requests

from tests.emulator import bedrock as emu_bedrock
from tests.emulator import start_emulator
from tests.emulator import vertex as emu_vertex
from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

ROOT_KEY = "WrEDFbchfWe6cOBt21De92E15884505f62F71c9fD5Ad4b80"
ROOT_ACCESS_TOKEN = "aba5b28ef9d01bc4e2c22ae3ae9dbc6c"


class World:
    def __init__(self, server: GatewayServer, emu, tdb) -> None:
        self.server, self.emu, self.tdb = server, emu, tdb
        self.url = server.url

    def create_channel(self, type_id: int, models: str, *, key: str, base_url: str = "", config: dict | None = None,
                       **extra) -> int:
        name = f"cloud{type_id}-{time.monotonic_ns()}"
        body = {"type": type_id, "key": key, "name": name, "base_url": base_url, "models": models,
                "group": "default", "config": json.dumps(config or {}), **extra}
        resp = requests.post(self.url + "/api/channel/", json=body, timeout=15,
                             headers={"Authorization": ROOT_ACCESS_TOKEN})
        assert resp.status_code == 200 and resp.json()["success"], resp.text
        return dbs.raw_query(self.tdb, f"SELECT id FROM channels WHERE name = '{name}'")[0][0]

    def bedrock_channel(self, models: str, *, secret: str = emu_bedrock.SECRET_KEY, region: str = "us-east-1",
                        base_url: str | None = None, **extra) -> int:
        return self.create_channel(33, models, key=f"{emu_bedrock.ACCESS_KEY}|{secret}|{region}",
                                   base_url=self.emu.url if base_url is None else base_url, **extra)

    def vertex_channel(self, models: str, *, region: str = "us-central1", client_email: str | None = None) -> int:
        info = emu_vertex.service_account(self.emu.url + "/vertex/token",
                                          client_email=client_email or emu_vertex.CLIENT_EMAIL)
        return self.create_channel(42, models, key=json.dumps(info), base_url=self.emu.url,
                                   config={"region": region, "vertex_ai_project_id": "emu-project"})

    def post(self, channel_id: int, path: str, body: dict, stream: bool = False, headers=None) -> requests.Response:
        return requests.post(self.url + path, json=body, stream=stream, timeout=60,
                             headers={"Authorization": f"Bearer sk-{ROOT_KEY}-{channel_id}", **(headers or {})})

    def log_row(self, request_id: str) -> tuple:
        for _ in range(60):
            rows = dbs.raw_query(self.tdb, "SELECT quota, prompt_tokens, completion_tokens, model_name, channel_id "
                                           f"FROM logs WHERE request_id = '{request_id}'")
            if rows:
                return rows[0]
            time.sleep(0.05)
        raise AssertionError(f"no log row for request {request_id}")


@pytest.fixture(scope="package")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("providers-cloud")
    tdb = dbs.create("sqlite", tmp)
    dbs.load_original_fixture(tdb)
    emu = start_emulator()
    server = GatewayServer(gateway_env(tdb, GLOBAL_RELAY_RATE_LIMIT="0", SHUTDOWN_TIMEOUT="1"),
                           log_path=str(tmp / "gateway.log"))
    server.start()
    yield World(server, emu, tdb)
    server.stop()
    emu.stop()


@pytest.fixture()
def emu(world):
    world.emu.clear()
    return world.emu


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


def chat_stream_text(resp: requests.Response) -> tuple[str, list, dict | None]:
    """(text, tool-call deltas, usage) of an OpenAI Chat stream."""
    text, calls, usage = "", [], None
    for _, data in sse_events(resp):
        if data == "[DONE]":
            break
        chunk = json.loads(data)
        assert "error" not in chunk, chunk
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text += delta.get("content") or ""
            calls += delta.get("tool_calls") or []
    return text, calls, usage
