from tests.emulator.fixtures import emulator, provider_emulator  # noqa: F401
from tests.integration.responses_state import deployment as dep

CHANNELS = [
    dep.ChannelSpec(1, "gpt-4o-mini"),
    dep.ChannelSpec(14, "claude-haiku-4-5"),
    dep.ChannelSpec(24, "gemini-2.5-flash"),
    dep.ChannelSpec(1, "gpt-nousage", base_suffix="/s/nousage", mapping={"gpt-nousage": "gpt-4o-mini"}),
]


gateway = dep.gateway_fixture(CHANNELS, scope="package", label="gemini")
