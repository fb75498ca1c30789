"""A real deployment for the matrix and client tests: the provider emulator, and the gateway under gunicorn on a
fresh SQLite database, set up through its own management API (log in as the bootstrap root, add one channel per
provider column with its base URL at the emulator, create an API key).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import requests

from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer


@dataclass(frozen=True)
class Column:
    model: str          # the name clients ask for
    channel_type: int
    name: str
    base_suffix: str = ""          # appended to the emulator URL (type 50 bases carry their /v1)
    upstream_model: str = ""       # set when the channel maps the name (Azure deployment)
    vision: bool = True


COLUMNS = [
    Column("gpt-4o-mini", 1, "OpenAI chat"),
    Column("gpt-5-mini", 1, "OpenAI Responses-native"),
    Column("claude-haiku-4-5", 14, "Anthropic"),
    Column("gemini-2.5-flash", 24, "Gemini"),
    Column("openai/gpt-oss-20b", 50, "OpenAI-compatible", base_suffix="/v1", vision=False),
    Column("deepseek-chat", 36, "DeepSeek", vision=False),
    Column("grok-4-1-fast-non-reasoning", 45, "xAI"),
    Column("azure-gpt-5-nano", 3, "Azure", upstream_model="gpt-5-nano"),
]


@dataclass
class Deployment:
    url: str
    key: str            # sk-... API key of the root user
    server: GatewayServer
    emulator: object
    session: requests.Session


def add_channel(session: requests.Session, url: str, column: Column, emulator_url: str) -> None:
    body = {"name": f"matrix {column.name}", "type": column.channel_type, "key": f"emu-key-{column.channel_type}",
            "base_url": emulator_url + column.base_suffix, "models": column.model, "group": "default"}
    if column.upstream_model:
        body["model_mapping"] = json.dumps({column.model: column.upstream_model})
    if column.channel_type == 3:
        body["other"] = "2024-10-21"  # Azure api-version
    resp = session.post(url + "/api/channel/", json=body, timeout=10)
    assert resp.json().get("success"), resp.text


def start(tmp_path, emulator, columns=COLUMNS, **env) -> Deployment:
    tdb = dbs.create("sqlite", tmp_path)
    server = GatewayServer(gateway_env(tdb, SHUTDOWN_TIMEOUT="1", **env), log_path=str(tmp_path / "gateway.log"))
    server.start()
    try:
        session = requests.Session()
        login = session.post(server.url + "/api/user/login", json={"username": "root", "password": "123456"},
                             timeout=10)
        assert login.json().get("success"), login.text
        for column in columns:
            add_channel(session, server.url, column, emulator.url)
        created = session.post(server.url + "/api/token/", json={"name": "matrix", "unlimited_quota": True,
                                                                 "remain_quota": 0}, timeout=10).json()
        assert created.get("success"), created
        key = created["data"]["key"]
        key = key if key.startswith("sk-") else "sk-" + key
    except Exception:
        server.stop()
        raise
    return Deployment(server.url, key, server, emulator, session)
