"""Base classes binding the peewee models to the configured databases."""
import peewee

from oneapi.db import database, log_database


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class LogBaseModel(peewee.Model):
    """Models stored in the logs database (``LOG_SQL_DSN`` when set, else the main one)."""

    class Meta:
        database = log_database
        legacy_table_names = False
