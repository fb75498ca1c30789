"""pytest fixtures for tests that need a fake provider. Import them into a conftest.py:

    from tests.emulator.fixtures import provider_emulator, emulator  # noqa: F401

or make one at the scope a test module needs: ``emu = emulator_fixture()``.
"""
import pytest

from .server import start_emulator


def emulator_fixture(name: str = "emu", scope: str = "module"):
    """A fixture called ``name`` that runs one emulator (gevent.pywsgi in a background thread) for ``scope``."""
    @pytest.fixture(scope=scope, name=name)
    def _emulator():
        emu = start_emulator()
        yield emu
        emu.stop()
    return _emulator


# One emulator for the whole test session.
provider_emulator = emulator_fixture("provider_emulator", scope="session")


@pytest.fixture
def emulator(provider_emulator):
    """The session's emulator with an empty request log."""
    provider_emulator.clear()
    return provider_emulator
