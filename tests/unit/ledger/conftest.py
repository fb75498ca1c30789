"""One migrated database per dialect for the whole package; every test starts from empty tables."""
import os

import pytest

from tests.support import dbs
from tests.unit.ledger import support

DIALECTS = [d.strip() for d in os.environ.get("ONEAPI_TEST_DIALECTS", ",".join(dbs.DIALECTS)).split(",")
            if d.strip()]


@pytest.fixture(scope="package", params=DIALECTS)
def ledger_database(request, tmp_path_factory):
    tdb = dbs.create(request.param, tmp_path_factory.mktemp("ledger"))
    prepared = support.prepare(tdb)
    yield prepared
    support.release(prepared)
    dbs.drop(tdb)


@pytest.fixture
def ledger_env():
    """Environment overrides for the test's configuration (a test module may override this fixture)."""
    return {}


@pytest.fixture
def ledger_db(ledger_database, ledger_env, monkeypatch):
    """Empty tables on every dialect, then one user with a limited and an unlimited token, and a channel."""
    from oneapi import config
    monkeypatch.setattr(config, "settings", config.settings)  # restored after the test
    support.activate(ledger_database, **ledger_env)
    ids = support.seed()
    yield ids
    support.batch.reset_for_tests()
    support.db.close_request_connections()
