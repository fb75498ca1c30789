"""pytest fixtures for tests that need a fake provider. Import them into a conftest.py:

    from tests.emulator.fixtures import provider_emulator, emulator  # noqa: F401
"""
import pytest

from .server import start_emulator


@pytest.fixture(scope="session")
def provider_emulator():
    """One emulator for the whole test session (gevent.pywsgi in a background thread)."""
    emu = start_emulator()
    yield emu
    emu.stop()


@pytest.fixture
def emulator(provider_emulator):
    """The session's emulator with an empty request log."""
    provider_emulator.clear()
    return provider_emulator
