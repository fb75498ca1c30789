import pytest

from tests.emulator.fixtures import emulator_fixture

emu = emulator_fixture(scope="session")


@pytest.fixture
def fresh(emu):
    """The shared emulator with an empty request log."""
    emu.clear()
    return emu


@pytest.fixture
def oai(emu):
    from openai import OpenAI
    return OpenAI(base_url=emu.url + "/v1", api_key="sk-test", max_retries=0)


def openai_client(base_url, **kwargs):
    from openai import OpenAI
    return OpenAI(base_url=base_url + "/v1", api_key=kwargs.pop("api_key", "sk-test"), max_retries=0, **kwargs)


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City and region"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}

TOPIC_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "topic": {"type": "string", "description": "Primary topic"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["topic", "confidence"],
}
