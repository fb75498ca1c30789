import peewee

from oneapi.models.base import LogBaseModel


class Log(LogBaseModel):
    id = peewee.AutoField()
    user_id = peewee.IntegerField(null=True)
    created_at = peewee.BigIntegerField(null=True)  # Unix seconds
    type = peewee.IntegerField(null=True)
    content = peewee.TextField(null=True, default="")
    username = peewee.CharField(null=True, default="")
    token_name = peewee.CharField(null=True, default="")
    model_name = peewee.CharField(null=True, default="")
    quota = peewee.BigIntegerField(null=True, default=0)
    prompt_tokens = peewee.IntegerField(null=True, default=0)
    completion_tokens = peewee.IntegerField(null=True, default=0)
    channel_id = peewee.IntegerField(null=True, default=0)
    request_id = peewee.CharField(null=True, default="")
    elapsed_time = peewee.BigIntegerField(null=True, default=0)  # ms
    is_stream = peewee.BooleanField(null=True, default=False)
    system_prompt_reset = peewee.BooleanField(null=True, default=False)
    # fork additions
    cached_prompt_tokens = peewee.IntegerField(null=True, default=0)
    cached_completion_tokens = peewee.IntegerField(null=True, default=0)
    metadata = peewee.TextField(null=True)
    trace_id = peewee.CharField(null=True, default="")
    updated_at = peewee.BigIntegerField(null=True)

    class Meta:
        table_name = "logs"
