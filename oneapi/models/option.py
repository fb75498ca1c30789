import peewee

from oneapi.models.base import BaseModel


class Option(BaseModel):
    key = peewee.CharField(primary_key=True)
    value = peewee.TextField(null=True, default="")

    class Meta:
        table_name = "options"
