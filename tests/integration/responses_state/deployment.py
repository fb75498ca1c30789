"""A real gateway (gunicorn + gevent) on a throw-away database with channels at the provider emulator, set up
through its own management API: root's API key plus a second user's, for the conversion-state tests."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import pytest
import requests

from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

# DB-backed tests here run on SQLite and PostgreSQL (ONEAPI_TEST_DIALECTS narrows the choice further).
DIALECTS = [d for d in ("sqlite", "postgres")
            if d in os.environ.get("ONEAPI_TEST_DIALECTS", ",".join(dbs.DIALECTS)).split(",")]


@dataclass(frozen=True)
class ChannelSpec:
    type: int
    models: str
    base_suffix: str = ""
    mapping: dict = field(default_factory=dict)


@dataclass
class Deployment:
    url: str
    key: str          # root's sk-... key
    other_key: str    # a second (common) user's key
    server: GatewayServer
    tdb: dbs.TestDatabase
    admin: requests.Session


def _new_key(session: requests.Session, url: str, name: str) -> str:
    created = session.post(url + "/api/token/", json={"name": name, "unlimited_quota": True, "remain_quota": 0},
                           timeout=10).json()
    assert created.get("success"), created
    key = created["data"]["key"]
    return key if key.startswith("sk-") else "sk-" + key


def _login(url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    resp = session.post(url + "/api/user/login", json={"username": username, "password": password}, timeout=10)
    assert resp.json().get("success"), resp.text
    return session


def start(dialect: str, tmp_path, emulator_url: str, channels: list[ChannelSpec], **env) -> Deployment:
    tdb = dbs.create(dialect, tmp_path)
    server = GatewayServer(gateway_env(tdb, SHUTDOWN_TIMEOUT="1", GLOBAL_RELAY_RATE_LIMIT="0", **env),
                           log_path=str(tmp_path / "gateway.log"))
    try:
        server.start()
        admin = _login(server.url, "root", "123456")
        for spec in channels:
            body = {"name": f"emu {spec.type} {spec.models}", "type": spec.type, "key": f"emu-key-{spec.type}",
                    "base_url": emulator_url + spec.base_suffix, "models": spec.models, "group": "default"}
            if spec.mapping:
                body["model_mapping"] = json.dumps(spec.mapping)
            resp = admin.post(server.url + "/api/channel/", json=body, timeout=10)
            assert resp.json().get("success"), resp.text
        key = _new_key(admin, server.url, "root key")
        created = admin.post(server.url + "/api/user/", json={"username": "eve", "password": "eve-password-1",
                                                              "display_name": "Eve"}, timeout=10).json()
        assert created.get("success"), created
        other_key = _new_key(_login(server.url, "eve", "eve-password-1"), server.url, "eve key")
    except BaseException:
        server.stop()
        dbs.drop(tdb)
        raise
    return Deployment(server.url, key, other_key, server, tdb, admin)


def stop(deployment: Deployment) -> None:
    deployment.server.stop()
    dbs.drop(deployment.tdb)


def gateway_fixture(channels: list[ChannelSpec], scope: str, label: str):
    """A ``gateway`` fixture: one deployment per dialect, over the session's provider emulator, kept for ``scope``.

    The conftest also imports ``provider_emulator`` from tests.emulator.fixtures."""
    @pytest.fixture(scope=scope, params=DIALECTS, name="gateway")
    def _gateway(request, provider_emulator, tmp_path_factory):
        deployment = start(request.param, tmp_path_factory.mktemp(f"{label}-{request.param}"),
                           provider_emulator.url, channels)
        yield deployment
        stop(deployment)
    return _gateway
