"""Forms go through the services: errors appear next to the field, valid input changes the database."""
from __future__ import annotations

import json

from tests.web.conftest import make_user

CHANNEL = {"type": "1", "name": "primary", "key": "sk-upstream-1\nsk-upstream-2", "base_url": "http://127.0.0.1:9",
           "models": "gpt-4o-mini, gpt-4o", "group": "default", "priority": "5", "weight": "2", "ratelimit": "0",
           "model_mapping": '{"gpt-4": "gpt-4o"}', "model_configs": '{"gpt-4o-mini": {"ratio": 0.1}}',
           "config": "", "api_version": ""}


def test_create_channels_one_per_key_with_abilities(root, web_app):
    from oneapi.models import Ability, Channel
    response = root.post("/channel/new", CHANNEL)
    assert response.status_code == 302
    with web_app.app_context():
        rows = list(Channel.select().order_by(Channel.id))
        assert [c.key for c in rows] == ["sk-upstream-1", "sk-upstream-2"]
        assert rows[0].models == "gpt-4o-mini,gpt-4o" and rows[0].priority == 5 and rows[0].weight == 2
        assert json.loads(rows[0].model_configs) == {"gpt-4o-mini": {"ratio": 0.1}}
        assert Ability.select().where(Ability.channel_id == rows[0].id).count() == 2
    page = root.get("/channel?sort=priority&order=desc").get_data(as_text=True)
    assert "primary" in page and "sk-upstream-1" not in page  # keys are never shown


def test_invalid_json_is_reported_next_to_the_field(root, web_app):
    from oneapi.models import Channel
    response = root.post("/channel/new", {**CHANNEL, "model_mapping": '{"gpt-4": 4}', "model_configs": "{oops"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="f-model_mapping-err" >Every value must be a model name' in page
    assert 'id="f-model_configs-err" >Not a valid JSON object.' in page
    assert "{oops" in page  # the typed value comes back for correction
    with web_app.app_context():
        assert Channel.select().count() == 0


def test_azure_api_version_goes_into_config_and_back(root, web_app):
    from oneapi.models import Channel
    root.post("/channel/new", {**CHANNEL, "type": "3", "key": "azure-key", "api_version": "2024-10-21",
                               "config": '{"api_format": "chat"}'})
    with web_app.app_context():
        channel = Channel.get()
        assert json.loads(channel.config) == {"api_format": "chat", "api_version": "2024-10-21"}
    page = root.get(f"/channel/{channel.id}/edit").get_data(as_text=True)
    assert 'value="2024-10-21"' in page


def test_edit_keeps_key_when_left_empty_and_status_toggles(root, web_app):
    from oneapi.models import Ability, Channel
    root.post("/channel/new", {**CHANNEL, "key": "only-key"})
    with web_app.app_context():
        cid = Channel.get().id
    response = root.post(f"/channel/{cid}/edit", {**CHANNEL, "key": "", "name": "renamed", "models": "gpt-4o"})
    assert response.status_code == 302
    root.post(f"/channel/{cid}/status", {"enable": "0"})
    with web_app.app_context():
        channel = Channel.get_by_id(cid)
        assert (channel.key, channel.name, channel.status) == ("only-key", "renamed", 2)
        assert [a.enabled for a in Ability.select().where(Ability.channel_id == cid)] == [False]
    root.post("/channel/delete-disabled")
    with web_app.app_context():
        assert Channel.select().count() == 0


def test_token_create_limited_then_edit_unlimited(root, web_app):
    from oneapi.models import Token
    response = root.post("/token/new", {"name": "ci", "remain_quota": "2.5", "models": "gpt-4o-mini",
                                        "subnet": "10.0.0.0/8", "expires": "2099-01-01T00:00"})
    assert response.status_code == 302 and "created=" in response.headers["Location"]
    with web_app.app_context():
        token = Token.get(Token.name == "ci")
        assert token.remain_quota == 1_250_000 and not token.unlimited_quota
        assert token.models == "gpt-4o-mini" and token.subnet == "10.0.0.0/8" and token.expired_time > 4e9
    listing = root.get(response.headers["Location"]).get_data(as_text=True)
    assert f"sk-{token.key}" in listing  # the full key, for the copy button
    root.post(f"/token/{token.id}/edit", {"name": "ci", "unlimited": "1", "remain_quota": "0"})
    with web_app.app_context():
        assert Token.get_by_id(token.id).unlimited_quota


def test_token_form_errors(root):
    response = root.post("/token/new", {"name": "", "remain_quota": "-3", "subnet": "not-a-net"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give the token a name." in page and "Enter a number of zero or more." in page


def test_users_cannot_touch_each_others_tokens(common, web_app):
    from oneapi.models import Token, User
    with web_app.app_context():
        root_token = Token.create(user_id=User.get(User.username == "root").id, key="k" * 48, name="root-tok")
    common.post(f"/token/{root_token.id}/delete")
    with web_app.app_context():
        assert Token.get_or_none(Token.id == root_token.id) is not None
    assert "root-tok" not in common.get("/token").get_data(as_text=True)


def test_admin_changes_a_users_quota_group_and_role(root, web_app):
    from oneapi.models import Log, User
    bob = make_user(web_app, "bob")
    response = root.post(f"/user/{bob.id}/edit", {"username": "bob", "display_name": "Bob", "group": "vip",
                                                  "quota": "12.5", "role": "10", "email": ""})
    assert response.status_code == 302
    with web_app.app_context():
        bob = User.get_by_id(bob.id)
        assert (bob.quota, bob.group, bob.role, bob.display_name) == (6_250_000, "vip", 10, "Bob")
        assert Log.select().where((Log.user_id == bob.id) & (Log.type == 3)).exists()  # manage log
    root.post(f"/user/{bob.id}/manage", {"action": "disable"})
    with web_app.app_context():
        assert User.get_by_id(bob.id).status == 2


def test_create_user_and_search(root):
    assert root.post("/user/new", {"username": "carol", "password": "short"}).status_code == 400
    assert root.post("/user/new", {"username": "carol", "password": "long-enough"}).status_code == 302
    page = root.get("/user?q=car").get_data(as_text=True)
    assert 'data-user="carol"' in page and 'data-user="root"' not in page


def test_redemption_codes_and_top_up(root, common, web_app):
    from oneapi.models import User
    response = root.post("/redemption/new", {"name": "promo", "quota": "1", "count": "3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    import re
    codes = re.search(r'data-testid="new-codes">([^<]*)</textarea>', page).group(1).split("\n")
    assert len(codes) == 3 and all(len(c) == 32 for c in codes)
    assert common.post("/topup", {"key": codes[0]}).status_code == 302
    with web_app.app_context():
        assert User.get(User.username == "alice").quota == 500_000
    again = common.post("/topup", {"key": codes[0]})
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    bad = root.post("/redemption/new", {"name": "", "quota": "0", "count": "500"}).get_data(as_text=True)
    assert "1 to 20 characters" in bad and "between 1 and 100" in bad


def test_settings_validate_and_save(root, web_app):
    from oneapi.services.options import options
    response = root.post("/setting/ratios", {"ModelRatio": '{"gpt-4o": -1}', "CompletionRatio": "{}",
                                             "GroupRatio": '{"default": 1}'})
    assert response.status_code == 400
    assert "ModelRatio" in response.get_data(as_text=True)
    with web_app.app_context():
        assert options.get("ModelRatio") == "{}"
    form = {"QuotaForNewUser": "1000", "QuotaForInviter": "0", "QuotaForInvitee": "0", "QuotaRemindThreshold": "1000",
            "PreConsumedQuota": "500", "QuotaPerUnit": "500000", "RetryTimes": "2", "ChannelDisableThreshold": "5",
            "DisplayInCurrencyEnabled": "1", "LogConsumeEnabled": "1"}
    assert root.post("/setting/operation", form).status_code == 302
    assert options.get("RetryTimes") == "2" and options.get("QuotaForNewUser") == "1000"
    assert options.get("AutomaticDisableChannelEnabled") == "false"  # unchecked box
    assert options.get("DisplayTokenStatEnabled") == "false"


def test_register_when_enabled_and_closed(web_app):
    from oneapi.services.options import options
    from tests.web.conftest import PageClient
    visitor = PageClient(web_app)
    response = visitor.post("/register", {"username": "newbie", "password": "password1", "password2": "password1"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert visitor.login("newbie", "password1").status_code == 302
    with web_app.app_context():
        options.update("RegisterEnabled", "false")
    closed = PageClient(web_app).get("/register")
    assert closed.status_code == 302


def test_language_switch_to_chinese(root):
    response = root.get("/lang/zh?next=/token")
    assert response.headers["Location"] == "/token"
    page = root.get("/token").get_data(as_text=True)
    assert "令牌" in page and 'lang="zh-CN"' in page


def test_channel_test_and_balance_answer_json_for_the_page_script(root, web_app):
    from oneapi.models import Channel
    root.post("/channel/new", {**CHANNEL, "key": "k1"})  # base URL points at a closed port
    with web_app.app_context():
        cid = Channel.get().id
    headers = {"Accept": "application/json"}
    tested = root.post(f"/channel/{cid}/test", headers=headers).get_json()
    assert tested["success"] is False and tested["message"] == "Failed" and tested["detail"]
    balance = root.post(f"/channel/{cid}/balance", headers=headers).get_json()
    assert balance["success"] is False and balance["detail"]
    with web_app.app_context():
        assert Channel.get_by_id(cid).test_time > 0  # the test was recorded


def test_notice_is_shown_on_the_dashboard(root, web_app):
    from oneapi.services.options import options
    with web_app.app_context():
        options.update("Notice", "<b>Maintenance tonight</b>")
    assert "<b>Maintenance tonight</b>" in root.get("/dashboard").get_data(as_text=True)


def test_service_errors_land_next_to_their_field(root, web_app):
    make_user(web_app, "dave")
    response = root.post("/user/new", {"username": "dave", "password": "long-enough"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="f-username-err" >This username is taken.' in page
    token = root.post("/token/new", {"name": "t", "remain_quota": "1", "subnet": "10.0.0.0/99"})
    assert 'id="f-subnet-err" >Invalid subnet: 10.0.0.0/99' in token.get_data(as_text=True)


def test_report_charts_cover_every_day_of_the_period(root):
    import json
    import re
    page = root.get("/report?days=7&by=model").get_data(as_text=True)
    charts = [json.loads(c.replace("&#34;", '"').replace("&#39;", "'"))
              for c in re.findall(r"data-chart='([^']*)'", page)]
    assert charts and all(len(c["labels"]) == 7 for c in charts)


def test_csv_export_is_scoped_to_the_viewer_and_safe_for_spreadsheets(common, web_app):
    import csv
    import io
    import time as _time

    from oneapi.models import Log, User
    with web_app.app_context():
        alice = User.get(User.username == "alice").id
        Log.create(user_id=alice, username="alice", token_name="=HYPERLINK(1)", model_name="m", quota=500,
                   created_at=int(_time.time()), type=2, content="", request_id="r1")
        Log.create(user_id=1, username="root", token_name="root-only", model_name="m", quota=1,
                   created_at=int(_time.time()), type=2, content="", request_id="r2")
    response = common.get("/log/export.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["token_name"] for r in rows] == ["'=HYPERLINK(1)"]
    assert rows[0]["cost_usd"] == "0.001000" and rows[0]["request_id"] == "r1"


def test_channel_list_filters_by_status_and_type(root, web_app):
    from oneapi.models import Channel
    root.post("/channel/new", {**CHANNEL, "key": "a", "name": "openai-one"})
    root.post("/channel/new", {**CHANNEL, "key": "b", "name": "azure-one", "type": "3", "api_version": "2024-10-21"})
    with web_app.app_context():
        azure = Channel.get(Channel.name == "azure-one").id
    root.post(f"/channel/{azure}/status", {"enable": "0"})
    disabled = root.get("/channel?status=2").get_data(as_text=True)
    assert "azure-one" in disabled and "openai-one" not in disabled
    by_type = root.get("/channel?type=1&sort=name&order=asc").get_data(as_text=True)
    assert "openai-one" in by_type and "azure-one" not in by_type
