"""One gateway (gunicorn) and one provider emulator for all client tests: channels for an OpenAI chat model, an
Anthropic model and a Gemini model, so each client can be pointed at a model behind a different protocol."""
from __future__ import annotations

import pytest

from tests.emulator import start_emulator
from tests.matrix import deployment
from tests.matrix.deployment import COLUMNS

CLIENT_COLUMNS = [c for c in COLUMNS if c.model in ("gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash")]


@pytest.fixture(scope="package")
def gateway(tmp_path_factory):
    emu = start_emulator()
    dep = deployment.start(tmp_path_factory.mktemp("clients"), emu, columns=CLIENT_COLUMNS)
    yield dep
    dep.server.stop()
    emu.stop()


@pytest.fixture
def emulator(gateway):
    gateway.emulator.clear()
    return gateway.emulator
