"""Shared pytest fixtures: throw-away databases on every SQL dialect, the app, and a test client.

In-process tests run without gevent patching (peewee's per-thread state works with plain threads); tests
where serving matters start the real gunicorn+gevent server (tests/support/server.py).

``ONEAPI_TEST_DIALECTS`` (comma list, default all three) limits the dialects DB-backed tests run on.
"""
from __future__ import annotations

import os

import pytest

from tests.support import dbs
from tests.support.app import make_app

_SELECTED = [d.strip() for d in os.environ.get("ONEAPI_TEST_DIALECTS", ",".join(dbs.DIALECTS)).split(",") if d.strip()]


@pytest.fixture(params=_SELECTED)
def dialect(request) -> str:
    return request.param


@pytest.fixture
def empty_db(dialect, tmp_path):
    """A new, empty database on ``dialect``."""
    tdb = dbs.create(dialect, tmp_path)
    yield tdb
    dbs.drop(tdb)


@pytest.fixture
def original_db(dialect, tmp_path):
    """A database created and filled by the original One API (../shared/fixtures)."""
    tdb = dbs.create(dialect, tmp_path)
    dbs.load_original_fixture(tdb)
    yield tdb
    dbs.drop(tdb)


@pytest.fixture
def app(empty_db):
    return make_app(empty_db)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def original_app(original_db):
    return make_app(original_db)


@pytest.fixture
def original_client(original_app):
    return original_app.test_client()
