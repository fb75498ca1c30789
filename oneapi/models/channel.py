import peewee

from oneapi.models.base import BaseModel


class Channel(BaseModel):
    id = peewee.AutoField()
    type = peewee.IntegerField(default=0)
    key = peewee.TextField(null=True)
    status = peewee.IntegerField(default=1)
    name = peewee.CharField(null=True, default="")
    weight = peewee.IntegerField(null=True, default=0)
    created_time = peewee.BigIntegerField(null=True, default=0)
    test_time = peewee.BigIntegerField(null=True, default=0)
    response_time = peewee.IntegerField(null=True, default=0)
    base_url = peewee.CharField(null=True, default="")
    other = peewee.TextField(null=True)
    balance = peewee.FloatField(null=True, default=0)
    balance_updated_time = peewee.BigIntegerField(null=True, default=0)
    models = peewee.TextField(null=True, default="")
    group = peewee.CharField(default="default")
    used_quota = peewee.BigIntegerField(default=0)
    model_mapping = peewee.CharField(null=True, default="")
    priority = peewee.BigIntegerField(null=True, default=0)
    config = peewee.TextField(null=True, default="")
    system_prompt = peewee.TextField(null=True)
    # fork additions (added at start-up when missing)
    model_configs = peewee.TextField(null=True)
    model_ratio = peewee.TextField(null=True)
    completion_ratio = peewee.TextField(null=True)
    ratelimit = peewee.IntegerField(null=True, default=0)
    testing_model = peewee.CharField(null=True)
    created_at = peewee.BigIntegerField(null=True)
    updated_at = peewee.BigIntegerField(null=True)
    inference_profile_arn_map = peewee.TextField(null=True)

    class Meta:
        table_name = "channels"
