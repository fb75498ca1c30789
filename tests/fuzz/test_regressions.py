"""Regression tests for what the fuzz runs found: each was a 500 (or a logged exception) before its fix."""
from __future__ import annotations

import os

import pytest

from tests.fuzz import harness
from tests.integration.api.conftest import ACCESS_TOKENS
from tests.integration.relay.conftest import ROOT_KEY
from tests.support import dbs

DIALECTS = [d for d in dbs.DIALECTS
            if d in os.environ.get("ONEAPI_TEST_DIALECTS", ",".join(dbs.DIALECTS)).split(",")]
pytestmark = pytest.mark.parametrize("target", DIALECTS, indirect=True, scope="module")
CHAT = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}'
ROOT = {"Authorization": ACCESS_TOKENS["root"]}


def _relay(target, path, body, headers, ctype="application/json"):
    resp, data = target.send("regression", "POST", path, body, ctype, headers)
    harness.check_relay(target, path, resp, data, f"POST {path} {body[:200]!r}")
    return resp, harness.parse_json(data)


def _admin(target, method, path, body=None, headers=ROOT):
    before = target.snapshot()
    resp, data = target.send("regression", method, path, body, "application/json" if body is not None else None,
                             headers)
    parsed = harness.check_admin(target, resp, data, f"{method} {path} {body!r:.200}")
    assert target.snapshot() == before
    return resp.status_code, parsed


@pytest.mark.parametrize("pin", ["99999999999999999999999", "9223372036854775808", "²", "１"])
def test_pinned_channel_id_out_of_range_or_not_ascii(target, pin):
    resp, body = _relay(target, "/v1/chat/completions", CHAT, {"Authorization": f"Bearer sk-{ROOT_KEY}-{pin}"})
    assert resp.status_code == 400 and body["error"]["message"].startswith("无效的渠道 Id")


@pytest.mark.parametrize("path,body,field", [
    ("/v1/completions", b'{"model": "gpt-3.5-turbo-instruct", "max_tokens": "5", "prompt": "hi"}', "max_tokens"),
    ("/v1/completions", b'{"model": "gpt-3.5-turbo-instruct", "prompt": null}', "prompt"),
    ("/v1/images/generations", b'{"model": "dall-e-3", "prompt": "a cat", "n": {"x": 1}}', "n"),
    ("/v1/rerank", b'{"model": "rerank-v1", "query": "q", "documents": [null, "b"]}', "documents[0]"),
    ("/v1/chat/completions", b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": 5}]}',
     "messages[0].content"),
    ("/v1/chat/completions", b'{"model": "gpt-4o-mini"}', "messages"),
    ("/v1/chat/completions", b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}], '
                             b'"max_tokens": 9999999999}', "max_tokens"),
])
def test_wrong_field_types_are_refused_before_the_upstream(target, path, body, field):
    resp, parsed = _relay(target, path, body, {"Authorization": f"Bearer sk-{ROOT_KEY}"})
    assert resp.status_code == 400 and parsed["error"]["param"] == field, parsed


def test_gemini_wrong_contents_type_is_a_gemini_400(target):
    resp, parsed = _relay(target, "/v1beta/models/gemini-1.5-flash:generateContent", b'{"contents": true}',
                          {"x-goog-api-key": ROOT_KEY})
    assert resp.status_code == 400 and parsed["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("path", ["/v1/moderations", "/v1/embeddings"])
def test_unparsable_bodies_of_text_modes_are_400(target, path):
    resp, parsed = _relay(target, path, b"[" * 5000 + b"]" * 5000, {"Authorization": f"Bearer sk-{ROOT_KEY}"})
    assert resp.status_code == 400 and parsed["error"]["code"] == "invalid_text_request"


def test_unknown_gemini_path_answers_in_gemini_format(target):
    resp, data = target.send("regression", "POST", "/v1beta/models/gemini-1.5-flash:%0A", b"{}", "application/json",
                             {"x-goog-api-key": ROOT_KEY})
    assert resp.status_code == 404 and harness.check_error_format("gemini", 404, harness.parse_json(data)) is None


@pytest.mark.parametrize("method,path", [("POST", "/api/user/login"), ("POST", "/api/redemption/"),
                                         ("PUT", "/api/user/self"), ("POST", "/api/topup")])
def test_deeply_nested_admin_bodies_are_refused(target, method, path):
    status, body = _admin(target, method, path, b"[" * 100_000 + b"]" * 100_000)
    assert status in (200, 400) and body["success"] is False


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/token/", b'{"name": "a\\u0000b"}'),
    ("POST", "/api/token/", b'{"name": "\\ud800"}'),
    ("POST", "/api/redemption/", b'{"name": "\\udfffx", "count": 1}'),
    ("POST", "/api/user/login", b'{"username": "root\\u0000", "password": "123456"}'),
    ("PUT", "/api/option/", b'{"key": "Notice", "value": "\\u0000"}'),
    ("POST", "/api/channel/", b'{"key": "k", "name": "c\\u0000", "models": "m", "type": 1}'),
    ("POST", "/api/user/topup", b'{"key": "\\u0000"}'),
    ("GET", "/api/user/search?keyword=%00", None),
    ("GET", "/api/log/?token_name=%00", None),
    ("GET", "/api/log/stat?username=%00", None),
    ("GET", "/api/cost/request/%00", None),
])
def test_nul_and_lone_surrogates_are_refused(target, method, path, body):
    status, parsed = _admin(target, method, path, body)
    assert status == 200 and parsed["success"] is False and "NUL" in parsed["message"]


def test_emoji_escapes_are_still_accepted(target):
    status, parsed = _admin_write_ok(target, "/api/token/", b'{"name": "\\ud83d\\ude00 ok"}')
    assert parsed["success"] is True and parsed["data"]["name"] == "\U0001F600 ok"


def _admin_write_ok(target, path, body):
    resp, data = target.send("regression", "POST", path, body, "application/json", ROOT)
    return resp.status_code, harness.parse_json(data)


def test_nul_in_a_gemini_v1_path_answers_in_gemini_format(target):
    resp, data = target.send("regression", "POST", "/v1/models/%00:generateContent", b"{}", "application/json",
                             {"x-goog-api-key": ROOT_KEY})
    assert resp.status_code == 400 and harness.check_error_format("gemini", 400, harness.parse_json(data)) is None


@pytest.mark.parametrize("body", [b'{"add_reason": "x", "add_used_quota": Infinity}',
                                  b'{"add_reason": "x", "add_used_quota": NaN}',
                                  b'{"add_reason": "x", "add_used_quota": 1e999}',
                                  b'{"add_reason": "x", "add_used_quota": 5, "elapsed_time_ms": -Infinity}',
                                  b'{"add_reason": "x", "phase": "pre", "add_used_quota": 5, "timeout_seconds": 1e400}'])
def test_non_finite_numbers_are_invalid_json(target, body):
    before = target.snapshot()
    resp, data = target.send("regression", "POST", "/api/token/consume", body, "application/json",
                             {"Authorization": f"Bearer sk-{ROOT_KEY}"})
    parsed = harness.check_admin(target, resp, data, f"consume {body!r}", relay_auth_errors=True)
    assert resp.status_code == 400 and parsed["success"] is False
    assert target.snapshot() == before
