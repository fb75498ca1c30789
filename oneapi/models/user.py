import peewee

from oneapi.models.base import BaseModel


class User(BaseModel):
    id = peewee.AutoField()
    username = peewee.CharField(null=True)
    password = peewee.TextField(default="")
    display_name = peewee.CharField(null=True, default="")
    role = peewee.IntegerField(default=1)
    status = peewee.IntegerField(default=1)
    email = peewee.CharField(null=True, default="")
    github_id = peewee.CharField(null=True, default="")
    wechat_id = peewee.CharField(null=True, default="")
    lark_id = peewee.CharField(null=True, default="")
    oidc_id = peewee.CharField(null=True, default="")
    access_token = peewee.CharField(null=True)
    quota = peewee.BigIntegerField(default=0)
    used_quota = peewee.BigIntegerField(default=0)
    request_count = peewee.IntegerField(default=0)
    group = peewee.CharField(default="default")
    aff_code = peewee.CharField(null=True)
    inviter_id = peewee.IntegerField(null=True, default=0)

    class Meta:
        table_name = "users"
