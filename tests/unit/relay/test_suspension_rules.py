"""Which failed attempts suspend a (group, model, channel), and for how long (the fork's three settings)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from oneapi import config
from oneapi.services import channel_health


@pytest.fixture
def health(monkeypatch):
    monkeypatch.setattr(config, "settings", config.load({
        "CHANNEL_SUSPEND_SECONDS_FOR_429": "61", "CHANNEL_SUSPEND_SECONDS_FOR_5XX": "31",
        "CHANNEL_SUSPEND_SECONDS_FOR_AUTH": "91"}))
    channel_health.clear_suspensions()
    yield channel_health
    channel_health.clear_suspensions()


@pytest.mark.parametrize("status, err_type, code, seconds", [
    (429, "requests", "rate_limit_exceeded", 61),
    (500, "server_error", None, 31),
    (502, None, None, 31),
    (503, None, None, 31),
    (529, "overloaded_error", None, 31),
    (401, "invalid_request_error", "invalid_api_key", 91),
    (403, "permission_error", None, 91),
    (429, "insufficient_quota", "insufficient_quota", 91),  # the account, not the rate: as credentials
    (402, "authentication_error", None, 91),
    (400, "invalid_request_error", None, 0),
    (400, None, "invalid_api_key", 0),  # 400 never suspends (automatic disabling still sees it)
    (404, "invalid_request_error", "model_not_found", 0),
    (408, None, None, 0),
    (413, None, None, 0),
    (499, None, None, 0),
    (None, None, None, 0),  # no upstream answer (connection error, the gateway's own failure)
])
def test_suspension_seconds(health, status, err_type, code, seconds):
    assert health.suspension_seconds(status, err_type, code) == seconds


def test_a_failed_attempt_suspends_only_its_group_model_and_channel(health, monkeypatch):
    suspended = []
    monkeypatch.setattr(health, "suspend", lambda *args: suspended.append(args))
    ch = SimpleNamespace(id=5, name="c5")
    health.on_upstream_error(ch, "vip", "gpt-4o-mini", 503, "server_error")
    health.on_upstream_error(ch, "vip", "gpt-4o-mini", 400, "invalid_request_error")
    assert suspended == [("vip", "gpt-4o-mini", 5, 31), ("vip", "gpt-4o-mini", 5, 0)]


def test_a_zero_setting_turns_that_suspension_off(monkeypatch):
    monkeypatch.setattr(config, "settings", config.load({"CHANNEL_SUSPEND_SECONDS_FOR_5XX": "0"}))
    channel_health.clear_suspensions()
    channel_health.on_upstream_error(SimpleNamespace(id=6, name="c6"), "default", "m", 500)
    assert not channel_health.is_suspended("default", "m", 6)


def test_credential_errors_suspend_before_automatic_disabling(health, monkeypatch):
    from oneapi.services.options import options
    monkeypatch.setattr(options, "get_bool", lambda key, default=False: key == "AutomaticDisableChannelEnabled")
    seen = []
    monkeypatch.setattr(health, "disable_channel", lambda cid, name, reason: seen.append(
        (cid, health.is_suspended("default", "claude-x", cid))))
    health.on_upstream_error(SimpleNamespace(id=9, name="c9"), "default", "claude-x", 401,
                             "authentication_error", None, "invalid x-api-key")
    assert seen == [(9, True)]
    assert health.is_suspended("default", "claude-x", 9)
    assert not health.is_suspended("default", "claude-y", 9)
