"""The native-adaptor extension point of relay.providers: registration, routing of hooks, codecs."""
from __future__ import annotations

import types

import pytest

from oneapi.relay import providers
from oneapi.relay.formats import CODECS

FAKE_TYPE = 990


class _Channel:
    type = FAKE_TYPE
    key = "secret"
    base_url = ""
    config = ""
    other = ""


@pytest.fixture()
def fake_adaptor():
    calls = []
    module = types.SimpleNamespace(
        TYPES={FAKE_TYPE},
        CODECS={"fakecodec": CODECS["chat"]},
        body_format=lambda model, mode: "claude" if mode == "chat" else None,
        target=lambda channel, path, model, stream: providers.Target(
            f"https://up.example/{model}:{'stream' if stream else 'call'}", {"x-key": channel.key}, "native"),
        prepare_body=lambda channel, body, model, stream: (calls.append(("body", body)) or b'{"rewritten":1}'),
        sign=lambda channel, method, url, headers, body: {**headers, "x-sig": f"{method} {url} {len(body)}"},
        reframe=lambda resp: ("reframed", resp),
    )
    providers.register_native(module)
    yield module, calls
    providers.native_adaptor(-1)
    providers._native.pop(FAKE_TYPE, None)
    CODECS.pop("fakecodec", None)


def test_registered_module_serves_its_type(fake_adaptor):
    assert providers.protocol_of(FAKE_TYPE) == "native"
    assert CODECS["fakecodec"] is CODECS["chat"]
    target = providers.target(_Channel(), "/v1/chat/completions", "m1", stream=True)
    assert (target.url, target.headers) == ("https://up.example/m1:stream", {"x-key": "secret"})


def test_finish_native_applies_body_hook_then_signs_the_final_body(fake_adaptor):
    _, calls = fake_adaptor
    headers, data = providers.finish_native(_Channel(), "https://u/x", {"a": "1"}, b'{"model":"m"}', "m", False)
    assert calls == [("body", {"model": "m"})]
    assert data == b'{"rewritten":1}'
    assert headers == {"a": "1", "x-sig": f"POST https://u/x {len(data)}"}
    assert providers.reframe(_Channel(), "resp") == ("reframed", "resp")


def test_other_types_are_untouched(fake_adaptor):
    class OpenAI(_Channel):
        type = 1
    assert providers.protocol_of(1) == "openai"
    assert providers.finish_native(OpenAI(), "u", {"h": "v"}, b"{}", "m", False) == ({"h": "v"}, b"{}")
    assert providers.reframe(OpenAI(), "resp") == "resp"
