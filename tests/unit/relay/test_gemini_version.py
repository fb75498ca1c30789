"""Which Gemini API version the relay calls: the channel's api_version, else GEMINI_VERSION, else v1beta."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from oneapi import config
from oneapi.relay import providers


def gemini_channel(cfg: str = "", other: str | None = None):
    return SimpleNamespace(type=24, base_url="", key="gk", config=cfg, other=other)


@pytest.fixture
def settings(monkeypatch):
    def use(**env):
        monkeypatch.setattr(config, "settings", config.load(env))
    return use


def test_default_is_v1beta_where_system_instruction_and_tools_live(settings):
    settings()
    assert config.settings.gemini_version == ""
    url = providers.target(gemini_channel(), "/v1/chat/completions", "gemini-2.5-flash").url
    assert url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"


def test_gemini_version_environment_is_honoured(settings):
    settings(GEMINI_VERSION="v1")
    url = providers.target(gemini_channel(), "/v1/chat/completions", "gemini-2.5-flash", stream=True).url
    assert url == ("https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:"
                   "streamGenerateContent?alt=sse")


def test_channel_api_version_wins_over_the_environment(settings):
    settings(GEMINI_VERSION="v1")
    url = providers.target(gemini_channel('{"api_version": "v1alpha"}'), "/v1/messages", "gemini-2.5-pro").url
    assert "/v1alpha/models/gemini-2.5-pro:" in url
    # the legacy `other` column of the original counts as the channel's version too
    url = providers.target(gemini_channel(other="v1beta"), "/v1/messages", "gemini-2.5-pro").url
    assert "/v1beta/models/gemini-2.5-pro:" in url
