"""A real gunicorn gateway on the original fixture database, with the provider emulator, and helpers to create
channels through the admin API and send requests pinned to them."""
from __future__ import annotations

import time

import pytest
import requests

from tests.support import dbs
from tests.support.gateway_world import ROOT_ACCESS_TOKEN, GatewayWorld, run_world, sse_data

__all__ = ["sse_data"]


class World(GatewayWorld):
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


@pytest.fixture(scope="package")
def world(tmp_path_factory):
    yield from run_world(World, tmp_path_factory, "providers-more")
