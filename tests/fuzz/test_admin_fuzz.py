"""Fuzzing the management API (/api/...): hostile bodies, path ids, query strings and credentials. Never a 5xx,
never a logged exception, errors as ``{"success": false, "message": ...}``, no secret echoed, and a rejected
write leaves every row as it was."""
from __future__ import annotations

import os
import urllib.parse

import pytest
from hypothesis import given, strategies as st

from tests.fuzz import harness
from tests.fuzz.settings import fuzz_settings
from tests.fuzz.strategies import HOSTILE_TEXT, SECRET_SENTINEL, content_types, raw_bodies
from tests.integration.api.conftest import ACCESS_TOKENS
from tests.integration.relay.conftest import BOB_EXHAUSTED_KEY, BOB_KEY, ROOT_KEY
from tests.support import dbs

DIALECTS = [d for d in dbs.DIALECTS
            if d in os.environ.get("ONEAPI_TEST_DIALECTS", ",".join(dbs.DIALECTS)).split(",")]
pytestmark = pytest.mark.parametrize("target", DIALECTS, indirect=True, scope="module")
EXAMPLES = 15

SECRET_KEY = "0123456789abcdef" + SECRET_SENTINEL  # planted where a key or password goes
# (method, path, template body, the caller the route is meant for)
WRITES = [
    ("POST", "/api/user/login", {"username": "alice", "password": SECRET_SENTINEL}, None),
    ("POST", "/api/user/register", {"username": "fuzzer", "password": SECRET_SENTINEL, "email": "f@example.com",
                                    "verification_code": "123456", "aff_code": "abcd"}, None),
    ("POST", "/api/user/reset", {"email": "alice@example.com", "token": SECRET_KEY}, None),
    ("PUT", "/api/user/self", {"username": "alice", "display_name": "Alice", "password": SECRET_SENTINEL}, "alice"),
    ("POST", "/api/user/topup", {"key": SECRET_KEY}, "alice"),
    ("POST", "/api/user/", {"username": "newbie", "password": SECRET_SENTINEL, "display_name": "N", "role": 1,
                            "email": ""}, "admin"),
    ("PUT", "/api/user/", {"id": 4, "username": "bob", "display_name": "Bob", "password": SECRET_SENTINEL,
                           "quota": 100, "group": "default", "role": 1, "status": 1, "email": ""}, "root"),
    ("POST", "/api/user/manage", {"username": "bob", "action": "disable"}, "admin"),
    ("POST", "/api/topup", {"user_id": 4, "quota": 100, "remark": "fuzz"}, "admin"),
    ("POST", "/api/token/", {"name": "t", "remain_quota": 100, "expired_time": -1, "unlimited_quota": False,
                             "models": "gpt-4o-mini", "subnet": "127.0.0.1/32"}, "alice"),
    ("PUT", "/api/token/", {"id": 6, "name": "t", "status": 1, "remain_quota": 10, "expired_time": -1,
                            "unlimited_quota": False, "models": "", "subnet": ""}, "alice"),
    ("PUT", "/api/token/?status_only=1", {"id": 6, "status": 2}, "alice"),
    ("POST", "/api/channel/", {"type": 1, "key": SECRET_KEY, "name": "c", "models": "gpt-4o-mini",
                               "group": "default", "base_url": "http://127.0.0.1:9", "model_mapping": "{}",
                               "priority": 0, "weight": 0, "config": "{}", "other": "", "system_prompt": ""},
     "admin"),
    ("PUT", "/api/channel/", {"id": 5, "type": 36, "key": SECRET_KEY, "name": "c", "models": "deepseek-chat",
                              "group": "default", "model_mapping": "{}", "priority": 0, "status": 2}, "admin"),
    ("POST", "/api/redemption/", {"name": "r", "count": 1, "quota": 100}, "admin"),
    ("PUT", "/api/redemption/", {"id": 1, "name": "r", "quota": 5}, "admin"),
    ("PUT", "/api/redemption/?status_only=1", {"id": 1, "status": 2}, "admin"),
    ("PUT", "/api/option/", {"key": "Notice", "value": "hello"}, "root"),
]
OPTION_KEYS = ["Notice", "QuotaPerUnit", "ModelRatio", "CompletionRatio", "GroupRatio", "RetryTimes", "Theme",
               "RegisterEnabled", "PasswordLoginEnabled", "GitHubOAuthEnabled", "SMTPPort", "ChannelDisableThreshold",
               "TopUpLink", "PreConsumedQuota", "QuotaForNewUser", "x" * 300, "", "GitHubClientSecret"]

_CALLERS = ["root", "admin", "alice", "bob", "nobody-token", "", "Bearer " + ACCESS_TOKENS["root"], "\u00e9" * 3]


def _auth(who: str | None) -> dict:
    if who is None or who == "":
        return {}
    value = ACCESS_TOKENS.get(who, who)
    return {"Authorization": value.encode("utf-8").decode("latin-1")}


def _callers(default: str | None) -> st.SearchStrategy:
    return st.one_of(st.just(default), st.just(default), st.sampled_from(_CALLERS))


@pytest.mark.parametrize("method,path,template,who", WRITES, ids=[f"{m} {p}" for m, p, _, _ in WRITES])
def test_write_routes(target, method, path, template, who):
    bodies = raw_bodies(template)
    if path.startswith("/api/option/"):
        bodies = st.one_of(bodies, st.builds(lambda k, b: b.replace(b'"Notice"', harness_json(k), 1),
                                             st.sampled_from(OPTION_KEYS), raw_bodies(template)))

    @fuzz_settings(EXAMPLES)
    @given(body=bodies, ctype=content_types(), caller=_callers(who))
    def run(body, ctype, caller):
        before = target.snapshot()
        resp, data = target.send(f"admin {method} {path}", method, path, body, ctype, _auth(caller))
        note = f"{target.dialect} {method} {path} as {caller!r} {ctype!r} {body[:300]!r}"
        parsed = harness.check_admin(target, resp, data, note)
        if parsed is not None and parsed.get("success") is True:
            target.repair()
            return
        after = target.snapshot()
        changed = [t for t in before if before[t] != after[t]]
        assert not changed, f"{note}: rejected write changed {changed}: {data[:300]!r}"
    run()


def harness_json(text: str) -> bytes:
    import json
    return json.dumps(text).encode()


# ---- ids in the path, query strings --------------------------------------------------------------------------

_id_values = st.one_of(st.sampled_from(["1", "0", "-1", "4", "99999999999999999999999", "9223372036854775808",
                                        "1e3", "0x10", " 1", "1.0", "\x00", "null", "²", "١", "%", "..", "a b"]),
                       st.integers(min_value=-(10 ** 20), max_value=10 ** 20).map(str),
                       st.text(min_size=1, max_size=12))
PATH_ROUTES = [("GET", "/api/user/{}", "root"), ("DELETE", "/api/user/{}", "admin"),
               ("GET", "/api/token/{}", "alice"), ("DELETE", "/api/token/{}", "bob"),
               ("GET", "/api/channel/{}", "admin"), ("DELETE", "/api/channel/{}", "admin"),
               ("GET", "/api/channel/update_balance/{}", "admin"),
               ("GET", "/api/redemption/{}", "admin"), ("DELETE", "/api/redemption/{}", "admin"),
               ("GET", "/api/cost/request/{}", None)]


@pytest.mark.parametrize("method,pattern,who", PATH_ROUTES, ids=[f"{m} {p}" for m, p, _ in PATH_ROUTES])
def test_path_ids(target, method, pattern, who):
    @fuzz_settings(EXAMPLES)
    @given(value=_id_values, caller=_callers(who))
    def run(value, caller):
        if pattern.startswith("/api/user/") and method == "DELETE" and value.strip() in ("1", "2"):
            return  # deleting the fuzzer's own admins is a valid request; nothing to learn from it
        path = pattern.format(urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe=""))
        before = target.snapshot() if method == "DELETE" else None
        resp, data = target.send(f"admin {method} {pattern}", method, path, None, None, _auth(caller))
        parsed = harness.check_admin(target, resp, data, f"{target.dialect} {method} {path} as {caller!r}")
        if before is not None:
            if parsed is not None and parsed.get("success") is True:
                target.repair()
            else:
                assert target.snapshot() == before, f"{method} {path}: rejected delete changed rows"
    run()


_query_values = st.one_of(st.sampled_from(["", "0", "-1", "1", "abc", "99999999999999999999999", "1e308", "NaN",
                                           "\x00", "%", "'", "asc", "desc", "quota", "id", "2"]),
                          st.sampled_from(HOSTILE_TEXT[:26]), st.text(max_size=15))
QUERY_ROUTES = [
    ("GET", "/api/user/", ["p", "size", "order"], "admin"), ("GET", "/api/user/search", ["keyword"], "admin"),
    ("GET", "/api/token/", ["p", "size", "order"], "alice"), ("GET", "/api/token/search", ["keyword"], "alice"),
    ("GET", "/api/channel/", ["p", "size", "sort", "order"], "admin"),
    ("GET", "/api/channel/search", ["keyword"], "admin"),
    ("GET", "/api/redemption/", ["p", "size"], "admin"), ("GET", "/api/redemption/search", ["keyword"], "admin"),
    ("GET", "/api/log/", ["p", "size", "type", "start_timestamp", "end_timestamp", "model_name", "username",
                          "token_name", "channel"], "admin"),
    ("GET", "/api/log/stat", ["type", "start_timestamp", "end_timestamp", "model_name", "username", "channel"],
     "admin"),
    ("GET", "/api/log/search", ["keyword"], "admin"),
    ("GET", "/api/log/self", ["p", "size", "type", "start_timestamp", "end_timestamp", "model_name", "token_name"],
     "alice"),
    ("GET", "/api/log/self/stat", ["type", "start_timestamp", "end_timestamp", "model_name"], "alice"),
    ("GET", "/api/log/self/search", ["keyword"], "alice"),
    ("DELETE", "/api/log/", ["target_timestamp"], "admin"),
    ("GET", "/api/user/dashboard", [], "alice"), ("GET", "/api/user/available_models", [], "alice"),
    ("GET", "/api/user/aff", [], "bob"), ("GET", "/api/option/", [], "root"),
    ("GET", "/api/channel/test/{}", ["model"], "admin"),
]


@pytest.mark.parametrize("method,path,params,who", QUERY_ROUTES, ids=[f"{m} {p}" for m, p, _, _ in QUERY_ROUTES])
def test_query_strings(target, method, path, params, who):
    @fuzz_settings(EXAMPLES)
    @given(values=st.fixed_dictionaries({}, optional={name: _query_values for name in params}),
           caller=_callers(who), channel=st.sampled_from(["1", "3", "99999999999", "x"]))
    def run(values, caller, channel):
        raw = {k: v.encode("utf-8", "surrogatepass") for k, v in values.items()}  # lone surrogates: invalid UTF-8
        url = path.format(channel) + ("?" + urllib.parse.urlencode(raw) if raw else "")
        resp, data = target.send(f"admin {method} {path}", method, url, None, None, _auth(caller))
        harness.check_admin(target, resp, data, f"{target.dialect} {method} {url} as {caller!r}")
        if method == "DELETE":
            target.repair()
    run()


# ---- routes a relay API key calls about itself ---------------------------------------------------------------

_KEYS = [f"Bearer sk-{ROOT_KEY}", f"Bearer sk-{BOB_KEY}", f"Bearer sk-{BOB_EXHAUSTED_KEY}", "Bearer sk-nope", "",
         f"Bearer sk-{ROOT_KEY}-99999999999999999999", "Bearer \u00e9"]


@pytest.mark.parametrize("method,path", [("POST", "/api/token/consume"), ("GET", "/api/token/balance"),
                                         ("GET", "/api/token/transactions?p=-1&size=99999999999999999999"),
                                         ("GET", "/api/token/logs?p=abc"), ("GET", "/api/user/get-by-token"),
                                         ("GET", "/api/available_models")])
def test_token_key_routes(target, method, path):
    template = {"add_reason": "fuzz", "phase": "pre", "add_used_quota": 100, "transaction_id": "tx-1",
                "final_used_quota": 50, "timeout_seconds": 60, "elapsed_time_ms": 5}

    @fuzz_settings(EXAMPLES)
    @given(body=raw_bodies(template), ctype=content_types(), key=st.sampled_from(_KEYS))
    def run(body, ctype, key):
        headers = {"Authorization": key.encode("utf-8").decode("latin-1")} if key else {}
        resp, data = target.send(f"token-key {method} {path.split('?')[0]}", method, path,
                                 body if method == "POST" else None, ctype if method == "POST" else None, headers)
        harness.check_admin(target, resp, data, f"{target.dialect} {method} {path} {key!r} {body[:200]!r}",
                            relay_auth_errors=True)
    run()
