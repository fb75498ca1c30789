"""The provider emulator as a pytest fixture, at whatever scope a test module needs."""
from __future__ import annotations

import pytest

from tests.emulator import start_emulator


def emulator_fixture(name: str = "emu", scope: str = "module"):
    """A fixture called ``name`` that runs one emulator for ``scope`` and stops it afterwards.

    In a test module: ``emu = emulator_fixture()``."""
    @pytest.fixture(scope=scope, name=name)
    def _emulator():
        emulator = start_emulator()
        yield emulator
        emulator.stop()
    return _emulator
