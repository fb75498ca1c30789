"""Prepare the database once per instance, before gunicorn forks its workers.

Every worker's app factory migrates and bootstraps on a master node. On a brand-new database several workers
doing that at the same moment race (two root accounts, a table created twice) and gunicorn gives up when a
worker fails to boot. Doing it first in gunicorn's master process leaves the workers nothing to do but check.
"""
from __future__ import annotations

import logging

from oneapi.config import Config

log = logging.getLogger(__name__)


def prepare_database(cfg: Config) -> bool:
    """Migrate and create the root account (master nodes only); True when done. Errors are logged, not raised:
    the workers then meet the same problem and report it as usual."""
    if not cfg.is_master:
        return False
    from oneapi import db, lifecycle, schema
    from oneapi.services.bootstrap import ensure_root_user
    try:
        main_db, logs_db = db.init_databases(cfg)
        schema.migrate(main_db, logs_db)
        with main_db.connection_context():
            ensure_root_user(cfg)
        return True
    except Exception:  # noqa: BLE001
        log.exception("preparing the database before the workers start failed")
        return False
    finally:
        lifecycle.close_database_pools()  # no connection may cross the fork into the workers
