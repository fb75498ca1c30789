"""Fixtures of the fuzz suite: one gateway per SQL dialect (module-wide, the fuzzers' writes are checked or
repaired as they go) with its channels at the session's provider emulator."""
from __future__ import annotations

import pytest

from tests.emulator.fixtures import provider_emulator  # noqa: F401
from tests.fuzz import harness


@pytest.fixture(scope="module")
def target(request, provider_emulator, tmp_path_factory):  # noqa: F811
    dialect = request.param if hasattr(request, "param") else "sqlite"
    t = harness.start_target(dialect, tmp_path_factory.mktemp(f"fuzz-{dialect}"), provider_emulator.url)
    yield t
    harness.stop_target(t)


def pytest_terminal_summary(terminalreporter):
    counters = harness.COUNTERS
    if not counters.examples:
        return
    terminalreporter.section("fuzz requests")
    for group, count in sorted(counters.examples.items()):
        terminalreporter.write_line(f"{group:40s} {count}")
    terminalreporter.write_line(f"{'total':40s} {sum(counters.examples.values())}   statuses: "
                                + ", ".join(f"{k} {v}" for k, v in sorted(counters.statuses.items())))
