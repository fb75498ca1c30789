"""A real gateway with channels on the provider emulator, for the ingress extras of the conversion hub
(format detection, URL flags, provider-native fields, tool names). SQLite only: nothing here is
database-specific."""
from __future__ import annotations

import pytest
import requests

from tests.emulator.fixtures import emulator, provider_emulator  # noqa: F401
from tests.integration.responses_state import deployment as dep

CHANNELS = [
    dep.ChannelSpec(1, "gpt-4o-mini,o4-mini"),
    dep.ChannelSpec(14, "claude-haiku-4-5"),
    dep.ChannelSpec(24, "gemini-2.5-flash"),
    dep.ChannelSpec(1, "r1-think", base_suffix="/s/thinktags"),
    dep.ChannelSpec(1, "r1-reason-field", base_suffix="/s/rfield=reasoning"),
]


@pytest.fixture(scope="package")
def gateway(provider_emulator, tmp_path_factory):  # noqa: F811
    deployment = dep.start("sqlite", tmp_path_factory.mktemp("conversion-extras"), provider_emulator.url, CHANNELS)
    yield deployment
    dep.stop(deployment)


def post(gateway, path: str, body: dict, **kw) -> requests.Response:
    headers = {"Authorization": f"Bearer {gateway.key}", **kw.pop("headers", {})}
    return requests.post(gateway.url + path, json=body, headers=headers, timeout=30, **kw)


def sse_data(resp: requests.Response) -> list:
    """The JSON payloads of an SSE answer, in order."""
    import json
    out = []
    for line in resp.text.splitlines():
        if line.startswith("data:") and line[5:].strip().startswith("{"):
            out.append(json.loads(line[5:]))
    return out


def sse_events(resp: requests.Response) -> list[str]:
    return [line[6:].strip() for line in resp.text.splitlines() if line.startswith("event:")]
