import pytest

from tests.emulator.fixtures import emulator, provider_emulator  # noqa: F401
from tests.integration.responses_state import deployment as dep

CHANNELS = [
    dep.ChannelSpec(1, "gpt-4o-mini"),
    dep.ChannelSpec(14, "claude-haiku-4-5"),
    dep.ChannelSpec(24, "gemini-2.5-flash"),
    dep.ChannelSpec(1, "gpt-nousage", base_suffix="/s/nousage", mapping={"gpt-nousage": "gpt-4o-mini"}),
]


@pytest.fixture(scope="package", params=dep.DIALECTS)
def gateway(request, provider_emulator, tmp_path_factory):  # noqa: F811
    deployment = dep.start(request.param, tmp_path_factory.mktemp(f"gemini-{request.param}"),
                           provider_emulator.url, CHANNELS)
    yield deployment
    dep.stop(deployment)
