"""Routing, retries across channels, suspension, automatic disabling and channel tests (in-process)."""
from __future__ import annotations

import time

import pytest

from tests.integration.relay.conftest import ADMIN_KEY, BOB_KEY, ROOT_KEY, sqlite_fixture_gateway
from tests.support.server import free_port

MODEL = "fo-model"


def add_channels(gw, specs):
    """specs: [(id, name on the stub, priority, weight)] serving MODEL in group default."""
    from oneapi.models import Ability, Channel
    from oneapi.services import cache
    with gw.db():
        for cid, name, priority, weight in specs:
            base = name if "://" in name else gw.stub.base(name)
            Channel.insert(id=cid, type=1, key=f"key-{cid}", status=1, name=f"fo-{cid}", weight=weight,
                           base_url=base, models=MODEL, group="default", priority=priority,
                           model_mapping="", config="").execute()
            Ability.insert(group="default", model=MODEL, channel_id=cid, enabled=True, priority=priority).execute()
    cache.invalidate_channels()


@pytest.fixture
def gw(tmp_path, stub):
    return sqlite_fixture_gateway(tmp_path, stub, CHANNEL_SUSPEND_SECONDS_FOR_429="1",
                                  CHANNEL_SUSPEND_SECONDS_FOR_5XX="1")


def _names(gw):
    return [r["channel"] for r in gw.stub.hits()]


def test_failover_across_three_channels(gw):
    add_channels(gw, [(101, "a", 3, 0), (102, "b", 2, 0), (103, "c", 1, 0)])
    gw.stub.behave("a", "fail500")
    gw.stub.behave("b", "rate429")
    resp = gw.chat(model=MODEL)
    assert resp.status_code == 200, resp.data
    assert _names(gw) == ["a", "b", "c"]
    # a (500) and b (429) are suspended for (default, fo-model): the next request goes straight to c
    gw.stub.records.clear()
    assert gw.chat(model=MODEL).status_code == 200
    assert _names(gw) == ["c"]
    # ... and they come back once the suspensions (1 s here) are over
    time.sleep(1.1)
    gw.stub.records.clear()
    gw.stub.behave("b", "ok")
    assert gw.chat(model=MODEL).status_code == 200
    assert _names(gw) == ["a", "b"]


def test_connection_error_and_timeout_fail_over(gw):
    dead = f"http://127.0.0.1:{free_port()}"
    add_channels(gw, [(101, dead, 3, 0), (102, "b", 2, 0)])
    assert gw.chat(model=MODEL).status_code == 200
    assert _names(gw) == ["b"]


def test_channel_auth_error_disables_and_fails_over(gw):
    from oneapi.models import Ability, Channel, Log
    add_channels(gw, [(101, "a", 3, 0), (102, "b", 2, 0), (103, "c", 1, 0)])
    gw.stub.behave("a", "auth401")
    gw.stub.behave("b", "credit")
    assert gw.chat(model=MODEL).status_code == 200
    assert _names(gw) == ["a", "b", "c"]
    with gw.db():
        assert Channel.get_by_id(101).status == 3 and Channel.get_by_id(102).status == 3
        assert not any(a.enabled for a in Ability.select().where(Ability.channel_id.in_([101, 102])))
        reasons = [r.content for r in Log.select().where(Log.type == 4)]
    assert any("（#101）已被禁用" in text and "Incorrect API key" in text for text in reasons)
    assert any("（#102）已被禁用" in text and "credit balance" in text for text in reasons)
    gw.stub.records.clear()
    assert gw.chat(model=MODEL).status_code == 200
    assert _names(gw) == ["c"]


def test_client_errors_are_not_retried(gw):
    add_channels(gw, [(101, "a", 3, 0), (102, "b", 2, 0)])
    gw.stub.behave("a", "bad400")
    resp = gw.chat(model=MODEL)
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert err["message"].startswith("Invalid value for 'temperature'. (request id: ")
    assert err["param"] == "temperature"  # the provider's pointer at the bad field reaches the client
    assert _names(gw) == ["a"]


def test_pinned_channel_never_retries(gw):
    add_channels(gw, [(101, "a", 3, 0), (102, "b", 2, 0)])
    gw.stub.behave("a", "fail500")
    resp = gw.chat(model=MODEL, key=f"{ROOT_KEY}-101")
    assert resp.status_code == 500
    assert _names(gw) == ["a"]


def test_all_rate_limited_answers_saturated(gw):
    add_channels(gw, [(101, "a", 3, 0), (102, "b", 2, 0), (103, "c", 1, 0)])
    for name in "abc":
        gw.stub.behave(name, "rate429")
    resp = gw.chat(model=MODEL)
    assert resp.status_code == 429
    assert resp.get_json()["error"]["message"].startswith("当前分组上游负载已饱和，请稍后再试")
    assert sorted(_names(gw)) == ["a", "b", "c"]  # RetryTimes=2 in the fixture: three attempts
    gw.stub.records.clear()
    # every channel is suspended now
    assert gw.chat(model=MODEL).status_code == 503


def test_retry_times_zero_means_one_attempt(gw):
    add_channels(gw, [(101, "a", 3, 0), (102, "b", 2, 0)])
    gw.set_option("RetryTimes", "0")
    gw.stub.behave("a", "fail500")
    assert gw.chat(model=MODEL).status_code == 500
    assert _names(gw) == ["a"]


def test_weighted_choice_within_a_tier(gw):
    add_channels(gw, [(101, "a", 5, 0), (102, "b", 5, 10), (103, "c", 1, 100)])
    for _ in range(12):
        assert gw.chat(model=MODEL).status_code == 200
    assert set(_names(gw)) == {"b"}  # weight 0 never drawn next to a positive weight; lower tier unused


def test_uniform_when_all_weights_zero(gw):
    add_channels(gw, [(101, "a", 5, 0), (102, "b", 5, 0)])
    for _ in range(30):
        gw.chat(model=MODEL)
    names = _names(gw)
    assert {"a", "b"} == set(names)


def test_model_mapping_azure_and_forced_system_prompt(gw):
    resp = gw.chat(model="gpt-4o", key=f"{ADMIN_KEY}-2")
    assert resp.status_code == 200
    hit = gw.stub.hits("c2")[-1]
    assert hit["path"] == "/openai/deployments/gpt-4o-2024-08-06/chat/completions"
    assert hit["query"] == {"api-version": "2024-03-01-preview"}  # from the legacy `other` column
    assert hit["headers"]["api-key"] and "authorization" not in hit["headers"]
    assert hit["json"]["model"] == "gpt-4o-2024-08-06"

    assert gw.chat(model="llama-3.1-70b", key=BOB_KEY).status_code == 200
    hit = gw.stub.hits("c6")[-1]
    assert hit["path"] == "/v1/chat/completions"
    assert hit["json"]["model"] == "llama-3.1-70b-versatile"
    assert hit["json"]["messages"][0]["role"] == "system"
    assert hit["json"]["messages"][1] == {"role": "user", "content": "hi"}


def test_untouched_body_passes_through_byte_for_byte(gw):
    raw = b'{"model": "gpt-4o-mini",   "messages": [{"role": "user", "content": "hi"}], "x_extra": 1}'
    resp = gw.client.post("/v1/chat/completions", data=raw, content_type="application/json",
                          headers={"Authorization": f"Bearer sk-{ROOT_KEY}"})
    assert resp.status_code == 200
    assert gw.stub.hits("c1")[-1]["raw"] == raw


def test_channel_test_and_automatic_enable(gw):
    from oneapi.models import Channel
    from oneapi.services import channel_health
    add_channels(gw, [(101, "a", 3, 0)])
    gw.stub.behave("a", "auth401")
    with gw.db():
        ok, message, seconds = channel_health.test_channel(Channel.get_by_id(101))
        assert not ok and "Incorrect API key" in message and seconds >= 0
        assert Channel.get_by_id(101).status == 3  # AutomaticDisableChannelEnabled is on in the fixture
        gw.stub.behave("a", "ok")
        ok, message, _ = channel_health.test_channel(Channel.get_by_id(101))
        assert ok and message == "Hello from the stub upstream."
        assert Channel.get_by_id(101).status == 3  # AutomaticEnableChannelEnabled is off
    gw.set_option("AutomaticEnableChannelEnabled", "true")
    with gw.db():
        ok, _, _ = channel_health.test_channel(Channel.get_by_id(101))
        row = Channel.get_by_id(101)
        assert ok and row.status == 1 and row.test_time > 0
    assert gw.stub.hits("a")[-1]["json"]["messages"][0]["content"]
    assert gw.chat(model=MODEL).status_code == 200


def test_channel_rate_limit(tmp_path, stub):
    gw = sqlite_fixture_gateway(tmp_path, stub, GLOBAL_CHANNEL_RATE_LIMIT="true")
    add_channels(gw, [(101, "a", 3, 0), (102, "b", 2, 0)])
    from oneapi.models import Channel
    with gw.db():
        Channel.update(ratelimit=2).where(Channel.id == 101).execute()
    from oneapi.services import cache
    cache.invalidate_channels()
    for _ in range(4):
        assert gw.chat(model=MODEL).status_code == 200
    assert _names(gw) == ["a", "a", "b", "b"]
