import peewee

from oneapi.models.base import BaseModel


class Token(BaseModel):
    id = peewee.AutoField()
    user_id = peewee.IntegerField(null=True)
    key = peewee.CharField(null=True)  # the bare 48 characters; "sk-" is presentation only
    status = peewee.IntegerField(default=1)
    name = peewee.CharField(null=True, default="")
    created_time = peewee.BigIntegerField(null=True, default=0)
    accessed_time = peewee.BigIntegerField(null=True, default=0)
    expired_time = peewee.BigIntegerField(default=-1)
    remain_quota = peewee.BigIntegerField(default=0)
    unlimited_quota = peewee.BooleanField(default=False)
    used_quota = peewee.BigIntegerField(default=0)
    models = peewee.TextField(null=True)
    subnet = peewee.CharField(null=True, default="")

    class Meta:
        table_name = "tokens"
