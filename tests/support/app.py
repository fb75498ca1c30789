"""Build the application in-process for a test database (Flask test client level tests)."""
from __future__ import annotations


from oneapi import config, create_app
from tests.support.dbs import TestDatabase


def gateway_env(tdb: TestDatabase, **overrides: str) -> dict:
    """A clean environment for the gateway: the test database plus explicit overrides only."""
    env = {"SESSION_SECRET": "test-secret-for-sessions-0123456789", "TIKTOKEN_CACHE_DIR": "",
           **tdb.env(), **{k: str(v) for k, v in overrides.items()}}
    return env


def make_app(tdb: TestDatabase, **overrides: str):
    cfg = config.load(gateway_env(tdb, **overrides))
    return create_app(cfg, background_jobs=False)
