"""Fixtures for relay tests: the original fixture database with its channels pointed at a local stub upstream."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.integration.relay.stub_upstream import StubUpstream
from tests.support.app import make_app

# Tokens of the original fixture database (../shared/fixtures/README.md, "Tokens").
ROOT_KEY = "WrEDFbchfWe6cOBt21De92E15884505f62F71c9fD5Ad4b80"
ADMIN_KEY = "HKB8B7a0zi90oEOP6f1931Ff6817Bd1f2aF8309b64A954Ca"
ALICE_EXPIRED_KEY = "UFksh5V3w8lzAbhS0f88E29d0886C8Ae2891C2951fF7C546"
BOB_KEY = "3XVEIBUvY4Lu3c0VDf0e5862Ae190f44327304FeE256A854"
BOB_EXHAUSTED_KEY = "3O7udWLCp0F54eaZB13c746d60E84f071936Ec11940e9aEb"
ALICE_APP_KEY = "js1Mm3INWmjaPdloB008B75e1bCe66Dd17D84c73178eC870"


@pytest.fixture(scope="session")
def stub():
    upstream = StubUpstream()
    yield upstream
    upstream.stop()


def reset_relay_state() -> None:
    from oneapi.relay import upstream
    from oneapi.services import cache, channel_health, routing
    cache.reset()
    routing.reset()
    channel_health.clear_suspensions()
    upstream.reset()


@dataclass
class Gateway:
    app: object
    client: object
    stub: StubUpstream

    def post(self, path: str, body=None, key: str = ROOT_KEY, **kw):
        headers = {"Authorization": f"Bearer sk-{key}", **kw.pop("headers", {})}
        return self.client.post(path, json=body, headers=headers, **kw)

    def get(self, path: str, key: str = ROOT_KEY, **kw):
        return self.client.get(path, headers={"Authorization": f"Bearer sk-{key}", **kw.pop("headers", {})}, **kw)

    def chat(self, model: str = "gpt-4o-mini", key: str = ROOT_KEY, stream: bool = False, **kw):
        body = {"model": model, "messages": [{"role": "user", "content": "hi"}], **({"stream": True} if stream else {})}
        return self.post("/v1/chat/completions", body, key, **kw)

    def db(self):
        return self.app.app_context()

    def set_option(self, key: str, value: str) -> None:
        from oneapi.services.options import options
        with self.app.app_context():
            options.update(key, value)

    def point_channels(self, **bases: str) -> None:
        """Point channels at the stub: point_channels(c1="c1") sets channel 1's base URL to stub.base("c1")."""
        from oneapi.models import Channel
        from oneapi.services import cache
        with self.app.app_context():
            for name, target in bases.items():
                Channel.update(base_url=target if "://" in target else self.stub.base(target)).where(
                    Channel.id == int(name[1:])).execute()
        cache.invalidate_channels()


def make_gateway(tdb, stub: StubUpstream, **env) -> Gateway:
    reset_relay_state()
    stub.reset()
    env.setdefault("GLOBAL_RELAY_RATE_LIMIT", "0")  # tests send many requests with the fixture's keys
    app = make_app(tdb, **env)
    gw = Gateway(app, app.test_client(), stub)
    # Type 50 strips /v1 from the path, so its base carries it, as real deployments do.
    gw.point_channels(c1="c1", c2="c2", c3="c3", c6=stub.base("c6") + "/v1")
    return gw


@pytest.fixture
def gateway(original_db, stub):
    return make_gateway(original_db, stub)


def sqlite_fixture_gateway(tmp_path, stub: StubUpstream, **env) -> Gateway:
    """A gateway on a fresh SQLite copy of the original fixture database."""
    from tests.support import dbs
    tdb = dbs.create("sqlite", tmp_path)
    dbs.load_original_fixture(tdb)
    return make_gateway(tdb, stub, **env)


def enable_fixture_gemini_channel(gw: Gateway) -> None:
    """Enable the fixture's paused Gemini channel (channel 4) and its abilities."""
    from oneapi.models import Ability, Channel
    from oneapi.services import cache
    with gw.db():
        Channel.update(status=1).where(Channel.id == 4).execute()
        Ability.update(enabled=True).where(Ability.channel_id == 4).execute()
    cache.invalidate_channels()


@pytest.fixture
def sqlite_gateway(tmp_path, stub):
    return sqlite_fixture_gateway(tmp_path, stub)
