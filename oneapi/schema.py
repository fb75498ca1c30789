"""Create what is missing in the database, with the original One API's own DDL; never drop or rewrite.

peewee's DDL differs from GORM's (types, defaults, index names), and the original re-runs its own
migration on the same database, so fresh tables are created from the column specs below, which render
exactly the statements the original (and, for the additions, the maintained fork) emits on each dialect.
Existing tables only get missing columns and indexes added.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import peewee

from oneapi.db import dialect_of

log = logging.getLogger(__name__)

# Logical column types -> (sqlite, mysql, postgres).
_TYPES = {
    "int": ("integer", "bigint", "bigint"),
    "uint": ("integer", "bigint unsigned", "bigint"),
    "float": ("real", "double", "decimal"),
    "bool": ("numeric", "boolean", "boolean"),
    "istr": ("text", "varchar(191)", "text"),  # string with an index or a default
    "str": ("text", "longtext", "text"),
}
_DIALECTS = ("sqlite", "mysql", "postgres")


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # a key of _TYPES or a literal SQL type used on every dialect
    default: object = None  # python value: str, int or bool
    not_null: bool = False

    def sql_type(self, dialect: str) -> str:
        if self.type in _TYPES:
            return _TYPES[self.type][_DIALECTS.index(dialect)]
        return self.type


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple
    primary_key: tuple = ("id",)
    indexes: tuple = ()  # (name, (columns...), unique)
    unique_constraints: tuple = ()  # (name, column)
    sqlite_autoincrement: bool = False  # tables the fork adds use AUTOINCREMENT on SQLite


def _c(name, type_, default=None, not_null=False):
    return Col(name, type_, default, not_null)


ORIGINAL_TABLES = (
    Table("channels", (
        _c("id", "id"), _c("type", "int", 0), _c("key", "text"), _c("status", "int", 1), _c("name", "istr"),
        _c("weight", "uint", 0), _c("created_time", "int"), _c("test_time", "int"), _c("response_time", "int"),
        _c("base_url", "istr", ""), _c("other", "str"), _c("balance", "float"),
        _c("balance_updated_time", "int"), _c("models", "str"), _c("group", "varchar(32)", "default"),
        _c("used_quota", "int", 0), _c("model_mapping", "varchar(1024)", ""), _c("priority", "int", 0),
        _c("config", "str"), _c("system_prompt", "text"),
    ), indexes=(("idx_channels_name", ("name",), False),)),
    Table("tokens", (
        _c("id", "id"), _c("user_id", "int"), _c("key", "char(48)"), _c("status", "int", 1), _c("name", "istr"),
        _c("created_time", "int"), _c("accessed_time", "int"), _c("expired_time", "int", -1),
        _c("remain_quota", "int", 0), _c("unlimited_quota", "bool", False), _c("used_quota", "int", 0),
        _c("models", "text"), _c("subnet", "istr", ""),
    ), indexes=(("idx_tokens_key", ("key",), True), ("idx_tokens_name", ("name",), False))),
    Table("users", (
        _c("id", "id"), _c("username", "istr"), _c("password", "str", not_null=True), _c("display_name", "istr"),
        _c("role", "int", 1), _c("status", "int", 1), _c("email", "istr"), _c("github_id", "istr"),
        _c("wechat_id", "istr"), _c("lark_id", "istr"), _c("oidc_id", "istr"), _c("access_token", "char(32)"),
        _c("quota", "int", 0), _c("used_quota", "int", 0), _c("request_count", "int", 0),
        _c("group", "varchar(32)", "default"), _c("aff_code", "varchar(32)"), _c("inviter_id", "int"),
    ), indexes=(
        ("idx_users_username", ("username",), False), ("idx_users_display_name", ("display_name",), False),
        ("idx_users_email", ("email",), False), ("idx_users_git_hub_id", ("github_id",), False),
        ("idx_users_we_chat_id", ("wechat_id",), False), ("idx_users_lark_id", ("lark_id",), False),
        ("idx_users_oidc_id", ("oidc_id",), False), ("idx_users_access_token", ("access_token",), True),
        ("idx_users_aff_code", ("aff_code",), True), ("idx_users_inviter_id", ("inviter_id",), False),
    ), unique_constraints=(("uni_users_username", "username"),)),
    Table("options", (_c("key", "istr"), _c("value", "str")), primary_key=("key",)),
    Table("redemptions", (
        _c("id", "id"), _c("user_id", "int"), _c("key", "char(32)"), _c("status", "int", 1), _c("name", "istr"),
        _c("quota", "int", 100), _c("created_time", "int"), _c("redeemed_time", "int"),
    ), indexes=(("idx_redemptions_key", ("key",), True), ("idx_redemptions_name", ("name",), False))),
    Table("abilities", (
        _c("group", "varchar(32)"), _c("model", "istr"), _c("channel_id", "int"), _c("enabled", "bool"),
        _c("priority", "int", 0),
    ), primary_key=("group", "model", "channel_id"), indexes=(
        ("idx_abilities_channel_id", ("channel_id",), False), ("idx_abilities_priority", ("priority",), False))),
    Table("logs", (
        _c("id", "id"), _c("user_id", "int"), _c("created_at", "int"), _c("type", "int"), _c("content", "str"),
        _c("username", "istr", ""), _c("token_name", "istr", ""), _c("model_name", "istr", ""),
        _c("quota", "int", 0), _c("prompt_tokens", "int", 0), _c("completion_tokens", "int", 0),
        _c("channel_id", "int"), _c("request_id", "istr", ""), _c("elapsed_time", "int", 0),
        _c("is_stream", "bool", False), _c("system_prompt_reset", "bool", False),
    ), indexes=(
        ("idx_logs_user_id", ("user_id",), False), ("idx_created_at_type", ("created_at", "type"), False),
        ("index_username_model_name", ("model_name", "username"), False),
        ("idx_logs_token_name", ("token_name",), False), ("idx_logs_model_name", ("model_name",), False),
        ("idx_logs_channel_id", ("channel_id",), False),
    )),
)

# The maintained fork's additions needed for per-request cost, per-channel pricing and cached tokens.
ADDED_TABLES = (
    Table("user_request_costs", (
        _c("id", "id"), _c("created_time", "int"), _c("user_id", "int"), _c("request_id", "varchar(32)"),
        _c("quota", "int"), _c("created_at", "int"), _c("updated_at", "int"),
    ), indexes=(("idx_user_request_costs_request_id", ("request_id",), True),), sqlite_autoincrement=True),
    # External billing holds of POST /api/token/consume (the fork's model/token_transaction.go).
    Table("token_transactions", (
        _c("id", "id"), _c("transaction_id", "varchar(128)"), _c("token_id", "int"), _c("user_id", "int"),
        _c("status", "int"), _c("pre_quota", "int"), _c("final_quota", "int"), _c("reason", "text"),
        _c("request_id", "varchar(64)"), _c("trace_id", "varchar(64)"), _c("expires_at", "int"),
        _c("confirmed_at", "int"), _c("canceled_at", "int"), _c("auto_confirmed", "bool", False),
        _c("log_id", "int"), _c("elapsed_time_ms", "int"), _c("created_at", "int"), _c("updated_at", "int"),
    ), indexes=(
        ("uidx_token_txn", ("transaction_id", "token_id"), True),
        ("idx_token_transactions_token_id", ("token_id",), False),
        ("idx_token_transactions_user_id", ("user_id",), False),
        ("idx_token_transactions_status", ("status",), False),
        ("idx_token_transactions_expires_at", ("expires_at",), False),
        ("idx_token_transactions_log_id", ("log_id",), False),
    ), sqlite_autoincrement=True),
    # Responses the gateway produced by conversion, replayed for previous_response_id (relay/responses_state).
    Table("oneapi_responses", (
        _c("id", "id"), _c("response_id", "varchar(64)"), _c("user_id", "int"), _c("token_id", "int"),
        _c("model", "varchar(255)"), _c("created_time", "int"), _c("status", "varchar(32)"),
        _c("previous_response_id", "varchar(64)"), _c("background", "bool", False), _c("input", "str"),
        _c("response", "str"), _c("expires_at", "int"),
    ), indexes=(
        ("idx_oneapi_responses_response_id", ("response_id",), True),
        ("idx_oneapi_responses_user_id", ("user_id",), False),
        ("idx_oneapi_responses_expires_at", ("expires_at",), False),
    ), sqlite_autoincrement=True),
)
ADDED_COLUMNS = {
    "channels": (
        _c("model_configs", "text"), _c("model_ratio", "text"), _c("completion_ratio", "text"),
        _c("ratelimit", "int", 0), _c("testing_model", "varchar(255)"), _c("created_at", "int"),
        _c("updated_at", "int"), _c("inference_profile_arn_map", "text"),
    ),
    "logs": (
        _c("cached_prompt_tokens", "int", 0), _c("cached_completion_tokens", "int", 0), _c("metadata", "text"),
        _c("trace_id", "varchar(64)", ""), _c("updated_at", "int"),
    ),
}
ADDED_INDEXES = {
    "logs": (
        ("idx_logs_cached_prompt_tokens", ("cached_prompt_tokens",), False),
        ("idx_logs_cached_completion_tokens", ("cached_completion_tokens",), False),
        ("idx_logs_trace_id", ("trace_id",), False), ("idx_logs_quota", ("quota",), False),
        ("idx_logs_prompt_tokens", ("prompt_tokens",), False),
        ("idx_logs_completion_tokens", ("completion_tokens",), False),
        ("idx_logs_elapsed_time", ("elapsed_time",), False),
    ),
}
LOG_TABLES = {"logs"}


def _q(name: str, dialect: str) -> str:
    return f'"{name}"' if dialect == "postgres" else f"`{name}`"


def _default_sql(value, dialect: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return f'"{value}"' if dialect == "sqlite" else f"'{value}'"


def column_sql(col: Col, dialect: str, table: Table | None = None) -> str:
    q = _q(col.name, dialect)
    if col.type == "id":
        if dialect == "mysql":
            return f"{q} bigint AUTO_INCREMENT"
        if dialect == "postgres":
            return f"{q} bigserial"
        return f"{q} integer PRIMARY KEY AUTOINCREMENT" if table and table.sqlite_autoincrement else f"{q} integer"
    sql = f"{q} {col.sql_type(dialect)}"
    if col.not_null:
        sql += " NOT NULL"
    if col.default is not None:
        sql += f" DEFAULT {_default_sql(col.default, dialect)}"
    return sql


def _index_sql(table: str, index: tuple, dialect: str) -> str:
    name, columns, unique = index
    cols = ",".join(_q(c, dialect) for c in columns)
    kind = "UNIQUE INDEX" if unique else "INDEX"
    if dialect == "postgres":
        return f"CREATE {kind} IF NOT EXISTS {_q(name, dialect)} ON {_q(table, dialect)} ({cols})"
    return f"CREATE {kind} {_q(name, dialect)} ON {_q(table, dialect)}({cols})"


def create_table_sql(table: Table, dialect: str) -> list[str]:
    """The statements that create ``table`` as the original would on ``dialect``."""
    parts = [column_sql(c, dialect, table) for c in table.columns]
    autoinc_pk = dialect == "sqlite" and table.sqlite_autoincrement
    if not autoinc_pk:
        parts.append("PRIMARY KEY (" + ",".join(_q(c, dialect) for c in table.primary_key) + ")")
    inline_indexes = dialect == "mysql"
    if inline_indexes:
        for name, columns, unique in table.indexes:
            cols = ",".join(_q(c, dialect) for c in columns)
            parts.append(f"{'UNIQUE INDEX' if unique else 'INDEX'} {_q(name, dialect)} ({cols})")
    for name, column in table.unique_constraints:
        parts.append(f"CONSTRAINT {_q(name, dialect)} UNIQUE ({_q(column, dialect)})")
    statements = [f"CREATE TABLE {_q(table.name, dialect)} ({','.join(parts)})"]
    if not inline_indexes:
        statements += [_index_sql(table.name, ix, dialect) for ix in table.indexes]
    return statements


def _existing_indexes(db: peewee.Database, table: str) -> set[str]:
    return {ix.name for ix in db.get_indexes(table)}


def _ensure_table(db: peewee.Database, table: Table, extra_columns=(), extra_indexes=()) -> list[str]:
    dialect = dialect_of(db)
    done: list[str] = []
    if not db.table_exists(table.name):
        for stmt in create_table_sql(table, dialect):
            db.execute_sql(stmt)
        done.append(f"created table {table.name}")
    present = {c.name for c in db.get_columns(table.name)}
    for col in extra_columns:
        if col.name not in present:
            db.execute_sql(f"ALTER TABLE {_q(table.name, dialect)} ADD {column_sql(col, dialect)}")
            done.append(f"added column {table.name}.{col.name}")
    indexes = _existing_indexes(db, table.name)
    for ix in tuple(table.indexes) + tuple(extra_indexes):
        if ix[0] not in indexes and all(c in present or c in {x.name for x in extra_columns} for c in ix[1]):
            db.execute_sql(_index_sql(table.name, ix, dialect))
            done.append(f"added index {ix[0]}")
    return done


def migrate(main_db: peewee.Database, log_db: peewee.Database | None = None) -> list[str]:
    """Create missing tables, columns and indexes. Returns what was done, for the start-up log."""
    log_db = log_db or main_db
    done: list[str] = []
    for table in ORIGINAL_TABLES + ADDED_TABLES:
        db = log_db if table.name in LOG_TABLES else main_db
        with db.connection_context():
            done += _ensure_table(db, table, ADDED_COLUMNS.get(table.name, ()), ADDED_INDEXES.get(table.name, ()))
    for line in done:
        log.info("schema: %s", line)
    return done
