"""Responses ``background: true`` runs on the gateway's runner and is reserved with the background rule:
at least PRECONSUME_TOKEN_FOR_BACKGROUND_REQUEST output tokens, since usage only arrives at the end."""
from __future__ import annotations

import math

import pytest

from tests.emulator.fixtures import emulator_fixture
from tests.integration.relay.conftest import BOB_KEY, sqlite_fixture_gateway
from tests.integration.relay.test_model_fit_gateway import add_channel

BACKGROUND_TOKENS = 200_000


emu = emulator_fixture()


@pytest.fixture
def gw(tmp_path, stub, emu):
    gateway = sqlite_fixture_gateway(tmp_path, stub, PRECONSUME_TOKEN_FOR_BACKGROUND_REQUEST=str(BACKGROUND_TOKENS))
    add_channel(gateway, 401, 1, emu.url, {"bg-mini": "gpt-4o-mini"}, groups=("default", "vip"))
    emu.clear()
    return gateway


@pytest.fixture
def reservations(monkeypatch):
    """(background flag, reservation) of every ledger reservation, the real ledger doing the work."""
    from oneapi.billing import ledger
    seen = []
    real = ledger.reserve

    def spy(ctx, prompt_tokens, max_tokens, **kw):
        res = real(ctx, prompt_tokens, max_tokens, **kw)
        seen.append((ctx.background, res))
        return res
    monkeypatch.setattr(ledger, "reserve", spy)
    return seen


def _run_in_background(gw, body, key=None):
    from oneapi.relay.responses_state import background
    kw = {"key": key} if key else {}
    resp = gw.post("/v1/responses", {**body, "background": True}, **kw)
    assert resp.status_code == 200, resp.data
    queued = resp.get_json()
    assert queued["status"] == "queued" and queued["background"] is True
    background.wait(queued["id"], timeout=60)
    done = gw.get(f"/v1/responses/{queued['id']}", **kw)
    assert done.status_code == 200, done.data
    return done.get_json()


def test_background_run_reserves_the_background_floor(gw, emu, reservations):
    body = {"model": "bg-mini", "input": "Work in the background.", "max_output_tokens": 50}
    done = _run_in_background(gw, body)
    assert done["status"] == "completed" and done["background"] is True
    assert emu.last_request("/v1/responses")["json"].get("background") is None  # the gateway runs it itself
    (flag, res), = reservations
    assert flag is True
    output_price = res.pricing.ratio * res.group_ratio * res.pricing.completion_ratio
    assert res.estimate >= math.ceil(BACKGROUND_TOKENS * output_price) > 0
    # the same request answered at once reserves by the ordinary estimate
    resp = gw.post("/v1/responses", body)
    assert resp.status_code == 200, resp.data
    (flag, plain) = reservations[1]
    assert flag is False and plain.estimate < res.estimate


def test_a_background_run_the_user_cannot_afford_fails(gw, reservations):
    from oneapi.models import User
    with gw.db():  # bob can pay for a short answer, not for the background floor
        User.update(quota=1000).where(User.username == "bob").execute()
    body = {"model": "bg-mini", "input": "hi", "max_output_tokens": 20}
    done = _run_in_background(gw, body, key=BOB_KEY)
    assert done["status"] == "failed"
    assert "quota" in done["error"]["message"]
    assert [flag for flag, _ in reservations] == []  # refused before anything was held
    assert gw.post("/v1/responses", body, key=BOB_KEY).status_code == 200
