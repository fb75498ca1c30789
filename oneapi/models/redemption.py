import peewee

from oneapi.models.base import BaseModel


class Redemption(BaseModel):
    id = peewee.AutoField()
    user_id = peewee.IntegerField(null=True)  # the admin who created the code
    key = peewee.CharField(null=True)
    status = peewee.IntegerField(default=1)
    name = peewee.CharField(null=True, default="")
    quota = peewee.BigIntegerField(default=100)
    created_time = peewee.BigIntegerField(null=True, default=0)
    redeemed_time = peewee.BigIntegerField(null=True, default=0)

    class Meta:
        table_name = "redemptions"
