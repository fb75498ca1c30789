"""Balance readers of the types whose balance lives on another host than their API (OpenAISB, AIProxy): the host
asked, the credentials sent and the answer read (the other types are asked through the emulator)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from oneapi.services import channel_balance
from oneapi.services.errors import ServiceError


class _Answer:
    status_code = 200

    def __init__(self, body):
        self.body = body

    def json(self):
        return self.body


class _Asked(list):
    """The (url, headers) of each request; ``answer`` is the JSON every request gets."""
    answer: dict = {}

    def get(self, url, headers=None, timeout=None, proxies=None):
        self.append((url, headers))
        return _Answer(self.answer)


@pytest.fixture
def asked(monkeypatch):
    calls = _Asked()
    monkeypatch.setattr(channel_balance.requests, "get", calls.get)
    return calls


def test_openai_sb_reads_the_credit_from_its_status_endpoint(asked):
    asked.answer = {"msg": "ok", "data": {"credit": "12.5"}}
    assert channel_balance.READERS[5](SimpleNamespace(type=5, key=" sb-key ", base_url="")) == 12.5
    assert asked[0][0] == "https://api.openai-sb.com/sb-api/user/status?api_key=sb-key"
    asked.answer = {"msg": "invalid key", "data": None}
    with pytest.raises(ServiceError, match="invalid key"):
        channel_balance.READERS[5](SimpleNamespace(type=5, key="bad", base_url=""))


def test_aiproxy_reads_total_points_with_its_api_key_header(asked):
    asked.answer = {"success": True, "data": {"totalPoints": 300}}
    assert channel_balance.READERS[10](SimpleNamespace(type=10, key="ap-key", base_url="https://proxy.example")) == 300
    assert asked[0] == ("https://aiproxy.io/api/report/getUserOverview", {"Api-Key": "ap-key"})
    asked.answer = {"success": False, "message": "no such key"}
    with pytest.raises(ServiceError, match="no such key"):
        channel_balance.READERS[10](SimpleNamespace(type=10, key="x", base_url=""))
