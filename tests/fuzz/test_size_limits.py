"""Request size limits: a body over MAX_REQUEST_BODY_MB (4 MB for the fuzz target) is a 413 in the caller's
own error format, whatever the route, and nothing is written."""
from __future__ import annotations

import pytest

from tests.fuzz import harness
from tests.integration.api.conftest import ACCESS_TOKENS
from tests.integration.relay.conftest import ROOT_KEY

OVER = 4 * 1024 * 1024 + 1
RELAY = [("/v1/chat/completions", "openai", {"Authorization": f"Bearer sk-{ROOT_KEY}"}),
         ("/v1/embeddings", "openai", {"Authorization": f"Bearer sk-{ROOT_KEY}"}),
         ("/v1/audio/transcriptions", "openai", {"Authorization": f"Bearer sk-{ROOT_KEY}"}),
         ("/v1/responses", "openai", {"Authorization": f"Bearer sk-{ROOT_KEY}"}),
         ("/v1/messages", "claude", {"x-api-key": ROOT_KEY}),
         ("/v1/messages/count_tokens", "claude", {"x-api-key": ROOT_KEY}),
         ("/v1beta/models/gemini-1.5-flash:generateContent", "gemini", {"x-goog-api-key": ROOT_KEY})]


def _big_json(size: int) -> bytes:
    head = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "'
    return head + b"x" * (size - len(head) - 4) + b'"}]}'


@pytest.mark.parametrize("path,fmt,headers", RELAY)
def test_relay_body_over_the_limit_is_413_in_the_client_format(target, path, fmt, headers):
    ctype = "multipart/form-data; boundary=b" if "audio" in path else "application/json"
    resp, data = target.send("size limit", "POST", path, _big_json(OVER), ctype, headers)
    assert resp.status_code == 413, data[:200]
    assert harness.check_error_format(fmt, 413, harness.parse_json(data)) is None, data[:300]
    assert not target.trap.take()


def test_relay_body_just_under_the_limit_is_read(target):
    body = _big_json(4 * 1024 * 1024 - 1024)
    resp, data = target.send("size limit", "POST", "/v1/chat/completions", body, "application/json",
                             {"Authorization": f"Bearer sk-{ROOT_KEY}"})
    assert resp.status_code != 413 and resp.status_code < 500, data[:200]
    assert not target.trap.take()


@pytest.mark.parametrize("method,path", [("POST", "/api/token/"), ("POST", "/api/user/login"),
                                         ("PUT", "/api/option/"), ("POST", "/api/channel/"),
                                         ("POST", "/api/token/consume")])
def test_admin_body_over_the_limit_is_413_in_the_envelope(target, method, path):
    before = target.snapshot()
    resp, data = target.send("size limit", method, path, b'{"name": "' + b"x" * OVER + b'"}', "application/json",
                             {"Authorization": ACCESS_TOKENS["root"]})
    body = harness.parse_json(data)
    assert resp.status_code == 413 and body["success"] is False and body["message"], data[:200]
    assert target.snapshot() == before
    assert not target.trap.take()
