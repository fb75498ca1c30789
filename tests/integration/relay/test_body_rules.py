"""What the relay changes in a passed-through body, and when it leaves the bytes alone."""
from __future__ import annotations

from tests.integration.relay.conftest import ROOT_KEY, sqlite_fixture_gateway
from tests.integration.relay.test_failover import MODEL


def _channel(gw, type_: int) -> None:
    from oneapi.models import Ability, Channel
    from oneapi.services import cache
    with gw.db():
        Channel.insert(id=150, type=type_, key="k", status=1, name="rules", base_url=gw.stub.base("r"),
                       models=MODEL, group="default", priority=0, model_mapping="", config="").execute()
        Ability.insert(group="default", model=MODEL, channel_id=150, enabled=True, priority=0).execute()
    cache.invalidate_channels()


def test_openrouter_provider_sort_and_headers(tmp_path, stub):
    gw = sqlite_fixture_gateway(tmp_path, stub, OPENROUTER_PROVIDER_SORT="throughput")
    _channel(gw, 20)
    assert gw.chat(model=MODEL).status_code == 200
    hit = gw.stub.hits("r")[-1]
    assert hit["json"]["provider"] == {"sort": "throughput"}
    assert hit["headers"]["x-title"] == "One API" and hit["headers"]["http-referer"]
    body = {"model": MODEL, "provider": {"sort": "price"}, "messages": [{"role": "user", "content": "x"}]}
    gw.post("/v1/chat/completions", body)
    assert gw.stub.hits("r")[-1]["json"]["provider"] == {"sort": "price"}  # the client's choice stays


def test_include_usage_only_when_enforced(tmp_path, stub):
    gw = sqlite_fixture_gateway(tmp_path, stub, ENFORCE_INCLUDE_USAGE="false")
    _channel(gw, 36)
    raw = b'{"model":"fo-model","stream":true,"messages":[{"role":"user","content":"x"}]}'
    resp = gw.client.post("/v1/chat/completions", data=raw, content_type="application/json",
                          headers={"Authorization": f"Bearer sk-{ROOT_KEY}"})
    assert resp.status_code == 200
    resp.close()
    assert gw.stub.hits("r")[-1]["raw"] == raw  # untouched: no stream_options added

