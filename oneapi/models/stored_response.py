import peewee

from oneapi.models.base import BaseModel


class StoredResponse(BaseModel):
    """A Responses API object the gateway produced by conversion (``store`` true), kept so that
    ``previous_response_id`` and GET/DELETE/input_items work on channels without server-side state."""

    id = peewee.AutoField()
    response_id = peewee.CharField(null=True)
    user_id = peewee.IntegerField(null=True)
    token_id = peewee.IntegerField(null=True)
    model = peewee.CharField(null=True)
    created_time = peewee.BigIntegerField(null=True)  # Unix seconds
    status = peewee.CharField(null=True)  # queued | in_progress | completed | incomplete | failed | cancelled
    previous_response_id = peewee.CharField(null=True)
    background = peewee.BooleanField(null=True, default=False)
    input = peewee.TextField(null=True)  # JSON list: this turn's input items, ids assigned
    response = peewee.TextField(null=True)  # JSON: the Response object as the client received it
    expires_at = peewee.BigIntegerField(null=True)  # Unix seconds

    class Meta:
        table_name = "oneapi_responses"
