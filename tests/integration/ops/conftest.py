"""Fixtures for the operations tests: an SQLite gateway in-process, Redis, and the ops tools (nginx, prometheus)."""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest

from tests.support import dbs
from tests.support.app import make_app


@pytest.fixture
def sqlite_db(tmp_path):
    return dbs.create("sqlite", tmp_path)


@pytest.fixture
def ops_app(sqlite_db):
    """Build an in-process app on a fresh SQLite database with environment overrides."""
    from oneapi.ops import ratelimit
    ratelimit.limiter.reset()

    def build(**env):
        return make_app(sqlite_db, **env)

    yield build
    ratelimit.limiter.reset()


@pytest.fixture
def redis_url():
    return dbs.require_redis()


@pytest.fixture
def unique_ip():
    """A documentation-range address unique to this test, so parallel runs never share a window."""
    n = uuid.uuid4().int
    return f"2001:db8::{n % 65536:x}:{(n >> 16) % 65536:x}"


def _find_tool(name: str) -> str | None:
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", str(dbs.REPO / ".venv" / "bin" / name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def ensure_tool(name: str) -> str:
    """The path of ``name`` (nginx, prometheus, hadolint), installing it with scripts/install-ops-tools as root."""
    found = _find_tool(name)
    if not found and os.geteuid() == 0:
        subprocess.run([str(dbs.REPO / "scripts" / "install-ops-tools")], check=False, timeout=600)
        found = _find_tool(name)
    if not found:
        dbs.unavailable(f"{name} not installed (scripts/install-ops-tools installs it)")
    return found
