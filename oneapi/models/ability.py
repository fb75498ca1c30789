import peewee

from oneapi.models.base import BaseModel


class Ability(BaseModel):
    """Routing projection of channels: one row per (group, model, channel)."""

    group = peewee.CharField()
    model = peewee.CharField()
    channel_id = peewee.IntegerField()
    enabled = peewee.BooleanField(null=True, default=True)
    priority = peewee.BigIntegerField(null=True, default=0)

    class Meta:
        table_name = "abilities"
        primary_key = peewee.CompositeKey("group", "model", "channel_id")
