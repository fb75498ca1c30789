import pytest

from tests.unit.ledger import support


@pytest.fixture
def ledger_db(empty_db, monkeypatch):
    """A migrated database (every dialect) with one user, two tokens and a channel."""
    from oneapi import config
    monkeypatch.setattr(config, "settings", config.settings)  # restored after the test
    support.open_database(empty_db)
    ids = support.seed()
    yield ids
    support.close_database()
