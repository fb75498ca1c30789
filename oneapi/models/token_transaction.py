import peewee

from oneapi.models.base import BaseModel

TXN_PENDING = 1
TXN_CONFIRMED = 2
TXN_AUTO_CONFIRMED = 3
TXN_CANCELED = 4
TXN_STATUS_NAMES = {TXN_PENDING: "pending", TXN_CONFIRMED: "confirmed", TXN_AUTO_CONFIRMED: "auto_confirmed",
                    TXN_CANCELED: "canceled"}


class TokenTransaction(BaseModel):
    """The fork's external billing hold (``POST /api/token/consume`` with phases pre/post/cancel/single)."""

    id = peewee.AutoField()
    transaction_id = peewee.CharField(null=True)
    token_id = peewee.IntegerField(null=True)
    user_id = peewee.IntegerField(null=True)
    status = peewee.IntegerField(null=True)
    pre_quota = peewee.BigIntegerField(null=True, default=0)
    final_quota = peewee.BigIntegerField(null=True)
    reason = peewee.TextField(null=True)
    request_id = peewee.CharField(null=True)
    trace_id = peewee.CharField(null=True)
    expires_at = peewee.BigIntegerField(null=True)  # Unix seconds; 0 once settled
    confirmed_at = peewee.BigIntegerField(null=True)
    canceled_at = peewee.BigIntegerField(null=True)
    auto_confirmed = peewee.BooleanField(null=True, default=False)
    log_id = peewee.BigIntegerField(null=True)
    elapsed_time_ms = peewee.BigIntegerField(null=True)
    created_at = peewee.BigIntegerField(null=True)  # Unix ms
    updated_at = peewee.BigIntegerField(null=True)

    class Meta:
        table_name = "token_transactions"
