"""A real gunicorn gateway on the original fixture database with the provider emulator, for the media routes
(images, audio, embeddings, rerank): channels are created through the admin API and requests pinned to them."""
from __future__ import annotations

import time

import pytest
import requests

from tests.support import dbs
from tests.support.gateway_world import ROOT_ACCESS_TOKEN, ROOT_KEY, GatewayWorld, run_world


class World(GatewayWorld):
    def create_channel(self, type_id: int, models: str, *, key: str = "sk-test", base_url: str | None = None,
                       **extra) -> int:
        name = f"media{type_id}-{time.monotonic_ns()}"
        body = {"type": type_id, "key": key, "name": name, "models": models, "group": "default",
                "base_url": self.emu.url if base_url is None else base_url, **extra}
        resp = requests.post(self.url + "/api/channel/", json=body, timeout=15,
                             headers={"Authorization": ROOT_ACCESS_TOKEN})
        assert resp.status_code == 200 and resp.json()["success"], resp.text
        return dbs.raw_query(self.tdb, f"SELECT id FROM channels WHERE name = '{name}'")[0][0]

    def multipart(self, channel_id: int, path: str, fields: dict, files) -> requests.Response:
        """A multipart/form-data request (also when it carries no file)."""
        parts = [(name, (None, value)) for name, value in fields.items()]
        parts += list(files.items()) if isinstance(files, dict) else list(files)
        return requests.post(self.url + path, files=parts, timeout=60,
                             headers={"Authorization": f"Bearer sk-{ROOT_KEY}-{channel_id}"})

    def used_quota(self) -> int:
        """The root user's used quota (settlement is synchronous with the answer's last byte)."""
        return dbs.raw_query(self.tdb, "SELECT u.used_quota FROM users u JOIN tokens t ON t.user_id = u.id "
                                       f"WHERE t.key = '{ROOT_KEY}'")[0][0]

    def cost(self, resp: requests.Response) -> dict:
        """The per-request cost record of a relayed answer (GET /api/cost/request/:id)."""
        request_id = resp.headers["X-Oneapi-Request-Id"]
        return requests.get(f"{self.url}/api/cost/request/{request_id}", timeout=15).json()

    def charged(self, resp: requests.Response) -> tuple[int, int, int]:
        """(quota, prompt tokens, completion tokens) of the answer's consume log row; its cost record agrees."""
        quota, prompt, completion, *_ = self.log_row(resp.headers["X-Oneapi-Request-Id"])
        cost = self.cost(resp)
        assert cost["quota"] == quota and cost["cost_usd"] == quota / 500000, cost
        return quota, prompt, completion


@pytest.fixture(scope="package")
def world(tmp_path_factory):
    yield from run_world(World, tmp_path_factory, "media")


@pytest.fixture()
def emu(world):
    world.emu.clear()
    return world.emu
