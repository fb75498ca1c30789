import peewee

from oneapi.models.base import BaseModel


class UserRequestCost(BaseModel):
    """The fork's per-request cost record, keyed by the X-Oneapi-Request-Id value."""

    id = peewee.AutoField()
    created_time = peewee.BigIntegerField(null=True)  # Unix seconds
    user_id = peewee.IntegerField(null=True)
    request_id = peewee.CharField(null=True)
    quota = peewee.BigIntegerField(null=True, default=0)
    created_at = peewee.BigIntegerField(null=True)  # Unix ms
    updated_at = peewee.BigIntegerField(null=True)

    class Meta:
        table_name = "user_request_costs"
