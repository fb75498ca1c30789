"""Balance endpoints that One API's channel balance check reads. The `balance=N` scenario sets the
balance every endpoint reports (default 75 USD / CNY)."""
from ..app import route
from ..wire import json_response

USED_USD = 25.0


def _balance(ctx):
    try:
        return float(ctx.scenario.params.get("balance", 75))
    except ValueError:
        return 75.0


@route("GET", r"(?:/v1)?/dashboard/billing/subscription", "openai")
def openai_subscription(ctx):
    limit = _balance(ctx) + USED_USD
    return json_response({"object": "billing_subscription", "has_payment_method": True,
                          "soft_limit_usd": limit, "hard_limit_usd": limit, "system_hard_limit_usd": limit,
                          "access_until": 0})


@route("GET", r"(?:/v1)?/dashboard/billing/usage", "openai")
def openai_usage(ctx):
    return json_response({"object": "list", "total_usage": USED_USD * 100})  # cents


@route("GET", r"(?:/v1)?/dashboard/billing/credit_grants", "openai")
def credit_grants(ctx):
    balance = _balance(ctx)
    return json_response({"object": "credit_summary", "total_granted": balance + USED_USD,
                          "total_used": USED_USD, "total_available": balance,
                          "total_remaining": balance})  # API2GPT's name for it


@route("GET", r"/user/balance", "openai")                 # DeepSeek
def deepseek_balance(ctx):
    total = f"{_balance(ctx):.2f}"
    return json_response({"is_available": True, "balance_infos": [
        {"currency": "CNY", "total_balance": total, "granted_balance": "0.00", "topped_up_balance": total}]})


@route("GET", r"/v1/user/info", "openai")                 # SiliconFlow
def siliconflow_info(ctx):
    total = f"{_balance(ctx):.2f}"
    return json_response({"code": 20000, "message": "OK", "status": True, "data": {
        "id": "user-emu", "name": "emulator", "balance": total, "chargeBalance": "0.00", "totalBalance": total}})


@route("GET", r"/api/v1/credits", "openai")               # OpenRouter
def openrouter_credits(ctx):
    return json_response({"data": {"total_credits": _balance(ctx) + USED_USD, "total_usage": USED_USD}})
