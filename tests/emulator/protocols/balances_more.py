"""More balance endpoints for channel balance checks (same `balance=N` scenario as billing.py)."""
from ..app import route
from ..wire import json_response
from .billing import _balance


@route("GET", r"/v1/users/me/balance", "openai")          # Moonshot
def moonshot_balance(ctx):
    total = _balance(ctx)
    return json_response({"code": 0, "data": {"available_balance": total, "voucher_balance": total - 3,
                                              "cash_balance": 3.0}, "scode": "0x0", "status": True})
