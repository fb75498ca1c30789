"""Balance endpoints used by channel balance checks."""
import requests

AUTH = {"Authorization": "Bearer k"}


def test_openai_subscription_minus_usage_is_the_balance(emu):
    subscription = requests.get(emu.url + "/s/balance=40/v1/dashboard/billing/subscription", headers=AUTH).json()
    usage = requests.get(emu.url + "/s/balance=40/v1/dashboard/billing/usage?start_date=2026-01-01"
                         "&end_date=2026-01-31", headers=AUTH).json()
    assert subscription["hard_limit_usd"] - usage["total_usage"] / 100 == 40
    default = requests.get(emu.url + "/dashboard/billing/subscription", headers=AUTH).json()
    assert default["hard_limit_usd"] == 100


def test_vendor_balance_shapes(emu):
    deepseek = requests.get(emu.url + "/s/balance=12.5/user/balance", headers=AUTH).json()
    assert deepseek["balance_infos"][0]["total_balance"] == "12.50"
    silicon = requests.get(emu.url + "/v1/user/info", headers=AUTH).json()
    assert silicon["data"]["totalBalance"] == "75.00"
    openrouter = requests.get(emu.url + "/api/v1/credits", headers=AUTH).json()["data"]
    assert openrouter["total_credits"] - openrouter["total_usage"] == 75
    assert requests.get(emu.url + "/api/v1/credits").status_code == 401
