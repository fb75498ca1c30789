"""A real gunicorn gateway on the original fixture database with the provider emulator (Bedrock and Vertex
endpoints), and helpers to create cloud channels through the admin API and send requests pinned to them."""
from __future__ import annotations

import json
import time

import pytest
import requests

from tests.emulator import bedrock as emu_bedrock
from tests.emulator import vertex as emu_vertex
from tests.support import dbs
from tests.support.gateway_world import ROOT_ACCESS_TOKEN, ROOT_KEY, GatewayWorld, run_world, sse_events

__all__ = ["ROOT_ACCESS_TOKEN", "ROOT_KEY", "chat_stream_text", "sse_events"]


class World(GatewayWorld):
    LOG_ROW_TRIES = 60

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


@pytest.fixture(scope="package")
def world(tmp_path_factory):
    yield from run_world(World, tmp_path_factory, "providers-cloud")


@pytest.fixture()
def emu(world):
    world.emu.clear()
    return world.emu


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
