"""A migrated database with known accounts for ledger tests, without the web app around it."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from oneapi import config, db, schema
from oneapi.billing import batch, ledger
from oneapi.models import Channel, Log, Option, Token, TokenTransaction, User, UserRequestCost
from oneapi.services.options import options
from tests.support.app import gateway_env

# A price set on the channel, so expected quotas are easy to compute by hand:
# ratio 2 (quota per prompt token), completion 3x, cached read 0.5, cache writes 2.5 (5m) and 4 (1h).
MODEL = "ledger-test-model"
MODEL_CONFIGS = json.dumps({MODEL: {"ratio": 2, "completion_ratio": 3, "cached_input_ratio": 0.5,
                                    "cache_write_5m_ratio": 2.5, "cache_write_1h_ratio": 4}})
LIMITED_KEY = "L" * 48
UNLIMITED_KEY = "U" * 48


def open_database(tdb, migrate: bool = True, **env):
    """Point the models at ``tdb``, create the schema and load options. Returns the Config."""
    cfg = config.load(gateway_env(tdb, **env))
    config.settings = cfg
    main, logs = db.init_databases(cfg)
    if migrate:
        schema.migrate(main, logs)
    options.load()
    batch.reset_for_tests()
    return cfg


def close_database() -> None:
    for proxy in (db.database, db.log_database):
        database = proxy.obj
        if database is None:
            continue
        if hasattr(database, "close_all"):
            database.close_all()
        elif not database.is_closed():
            database.close()


@dataclass
class PreparedDatabase:
    """A migrated test database whose connections are reused by every test of a package."""

    tdb: object
    main: object
    logs: object


def prepare(tdb) -> PreparedDatabase:
    cfg = config.load(gateway_env(tdb))
    main, logs = db.init_databases(cfg)
    schema.migrate(main, logs)
    return PreparedDatabase(tdb, main, logs)


def activate(prepared: PreparedDatabase, **env) -> None:
    """Make ``prepared`` the current database, empty of rows, with a configuration built from ``env``."""
    config.settings = config.load(gateway_env(prepared.tdb, **env))
    db.database.initialize(prepared.main)
    db.log_database.initialize(prepared.logs)
    for model in (Log, UserRequestCost, TokenTransaction, Token, User, Channel, Option):
        model.delete().execute()
    options.load()
    batch.reset_for_tests()


def release(prepared: PreparedDatabase) -> None:
    for database in {id(prepared.main): prepared.main, id(prepared.logs): prepared.logs}.values():
        if hasattr(database, "close_all"):
            database.close_all()
        elif not database.is_closed():
            database.close()


def seed(user_quota: int = 10_000_000, token_remain: int = 1_000_000, group: str = "default") -> dict:
    """One user with a limited and an unlimited token, and one channel. Returns their ids."""
    now = int(time.time())
    user = User.create(username="ledger-user", password="x", display_name="", quota=user_quota, group=group,
                       access_token=None, aff_code=None)
    limited = Token.create(user_id=user.id, key=LIMITED_KEY, name="limited", created_time=now, accessed_time=now,
                           remain_quota=token_remain, unlimited_quota=False)
    unlimited = Token.create(user_id=user.id, key=UNLIMITED_KEY, name="unlimited", created_time=now,
                             accessed_time=now, remain_quota=-1, unlimited_quota=True)
    channel = Channel.create(type=1, name="ch", key="k", models=MODEL, group="default", model_configs=MODEL_CONFIGS)
    return {"user": user.id, "limited": limited.id, "unlimited": unlimited.id, "channel": channel.id}


def context(ids: dict, request_id: str, limited: bool = True, **overrides) -> ledger.RelayContext:
    values = dict(
        request_id=request_id, user_id=ids["user"], username="ledger-user", user_group="default",
        token_id=ids["limited"] if limited else ids["unlimited"], token_name="limited" if limited else "unlimited",
        token_key=LIMITED_KEY if limited else UNLIMITED_KEY, token_unlimited=not limited,
        channel_id=ids["channel"], channel_type=1, channel_model_configs=MODEL_CONFIGS, requested_model=MODEL,
        model=MODEL, is_stream=False, started_at=time.time())
    values.update(overrides)
    return ledger.RelayContext(**values)


def accounts(ids: dict) -> dict:
    """The counters the ledger moves, read fresh."""
    user = User.get_by_id(ids["user"])
    limited = Token.get_by_id(ids["limited"])
    unlimited = Token.get_by_id(ids["unlimited"])
    channel = Channel.get_by_id(ids["channel"])
    return {"user_quota": user.quota, "user_used": user.used_quota, "requests": user.request_count,
            "token_remain": limited.remain_quota, "token_used": limited.used_quota,
            "unlimited_remain": unlimited.remain_quota, "unlimited_used": unlimited.used_quota,
            "channel_used": channel.used_quota}


def cost_of(request_id: str) -> int | None:
    row = UserRequestCost.get_or_none(UserRequestCost.request_id == request_id)
    return None if row is None else row.quota


def logs_of(request_id: str) -> list:
    return list(Log.select().where(Log.request_id == request_id))
