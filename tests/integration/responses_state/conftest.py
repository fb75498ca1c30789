from tests.emulator.fixtures import emulator, provider_emulator  # noqa: F401
from tests.integration.responses_state import deployment as dep

CHANNELS = [
    dep.ChannelSpec(14, "claude-haiku-4-5"),
    dep.ChannelSpec(24, "gemini-2.5-flash"),
    dep.ChannelSpec(36, "deepseek-chat"),
    dep.ChannelSpec(1, "gpt-5-mini"),
    dep.ChannelSpec(14, "claude-slow", base_suffix="/s/slow=800", mapping={"claude-slow": "claude-haiku-4-5"}),
]


gateway = dep.gateway_fixture(CHANNELS, scope="module", label="responses")
