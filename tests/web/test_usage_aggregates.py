"""The usage aggregates behind the dashboard and reports agree with the logs on every SQL dialect."""
from __future__ import annotations

import time

from oneapi.models import Log
from oneapi.models.constants import LOG_CONSUME, LOG_TOPUP


def _log(user_id, username, model, token, channel, quota, created_at, type_=LOG_CONSUME, prompt=10, completion=5,
         cached=0):
    Log.create(user_id=user_id, username=username, model_name=model, token_name=token, channel_id=channel,
               quota=quota, created_at=created_at, type=type_, prompt_tokens=prompt, completion_tokens=completion,
               cached_prompt_tokens=cached, content="", request_id="")


def test_reports_group_by_day_and_dimension(app):
    from oneapi.services import web_support
    now = int(time.time())
    today = web_support.day_start()
    with app.app_context():
        _log(1, "root", "gpt-4o", "a", 1, 100, today + 60, cached=4)
        _log(1, "root", "gpt-4o", "a", 1, 50, today - 86400 + 60)       # yesterday
        _log(2, "bob", "gpt-4o-mini", "b", 2, 30, today - 3 * 86400 + 60)  # three days ago
        _log(2, "bob", "gpt-4o-mini", "b", 2, 999, today - 86400 + 90, type_=LOG_TOPUP)  # not a consume log
        _log(2, "bob", "old", "b", 2, 7, today - 40 * 86400)              # outside the range
        since = today - 6 * 86400
        for _ in range(2):  # computed, then partly from the cache of past days
            by_day = {r["key"]: r for r in web_support.usage_report("day", since, now)}
            assert by_day[today]["quota"] == 100 and by_day[today]["cached_tokens"] == 4
            assert by_day[today - 86400]["quota"] == 50
            assert by_day[today - 3 * 86400]["requests"] == 1
            by_model = web_support.usage_report("model", since, now)
            assert [(r["key"], r["quota"]) for r in by_model] == [("gpt-4o", 150), ("gpt-4o-mini", 30)]
            by_user = web_support.usage_report("user", since, now, username="bob")
            assert [(r["key"], r["quota"], r["prompt_tokens"]) for r in by_user] == [("bob", 30, 10)]
            by_channel = web_support.usage_report("channel", since, now, user_id=1)
            assert [(r["key"], r["requests"]) for r in by_channel] == [(1, 2)]
        dashboard = web_support.consume_by_day_and_model(since, user_id=1)
        assert sorted((r["day"], r["model"], r["quota"]) for r in dashboard) == [
            (today - 86400, "gpt-4o", 50), (today, "gpt-4o", 100)]
        web_support.warm_usage_cache(days=7)


def test_served_models_lists_enabled_abilities(app):
    from oneapi.services import channels, web_support
    with app.app_context():
        channels.create_channels({"type": 1, "name": "c", "key": "k", "models": "m1,m2", "group": "default,vip"})
        disabled = channels.create_channels({"type": 1, "name": "d", "key": "k2", "models": "m3", "group": "default"})
        channels.set_status(disabled[0].id, 2)
        assert web_support.served_models() == {"m1": ["default", "vip"], "m2": ["default", "vip"]}


def test_deleting_old_logs_drops_them_from_the_cached_past_days(app):
    from oneapi.services import logs, web_support
    today = web_support.day_start()
    with app.app_context():
        web_support.clear_usage_cache()
        _log(1, "root", "gpt-4o", "a", 1, 40, today - 2 * 86400 + 60)
        since = today - 6 * 86400
        assert web_support.usage_report("model", since, int(time.time())) == [
            {"key": "gpt-4o", "requests": 1, "quota": 40, "prompt_tokens": 10, "completion_tokens": 5,
             "cached_tokens": 0}]
        assert logs.delete_before(today - 86400) == 1
        assert web_support.usage_report("model", since, int(time.time())) == []
