"""Every management route of this package enforces its auth level: none, user, admin or root."""
from __future__ import annotations

import re

from tests.integration.api.conftest import call
from tests.support.app import make_app

MODULES = {"oneapi.api.user", "oneapi.api.token", "oneapi.api.channel", "oneapi.api.option",
           "oneapi.api.redemption", "oneapi.api.log", "oneapi.api.group", "oneapi.api.models",
           "oneapi.api.account"}
PUBLIC = re.compile(r"^/api/(user/(login|logout|register|reset)|verification|reset_password"
                    r"|oauth/(state|github|wechat|oidc|lark))$")
USER_LEVEL = re.compile(r"^/api/(user/(self|token|aff|topup|available_models|dashboard)|token/.*|log/self.*|models"
                        r"|oauth/(email|wechat)/bind)$")
ROOT_LEVEL = re.compile(r"^/api/option/$")


def _routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if view.__module__ not in MODULES:
            continue
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, path, method


def test_each_route_requires_its_level(sqlite_original):
    app = make_app(sqlite_original, RATE_LIMIT_DISABLED="true")
    client = app.test_client()
    seen = 0
    for rule, path, method in _routes(app):
        kwargs = {"json": {}} if method in ("POST", "PUT") else {}
        status, body = call(client, method, path, **kwargs)
        if PUBLIC.match(rule):
            assert status != 401, (method, rule)
            continue
        seen += 1
        assert status == 401 and body["success"] is False, (method, rule, status, body)
        if USER_LEVEL.match(rule):
            continue
        _, body = call(client, method, path, "alice", **kwargs)
        assert body["message"] == "无权进行此操作，权限不足", (method, rule, body)
        if ROOT_LEVEL.match(rule):
            _, body = call(client, method, path, "admin", **kwargs)
            assert body["message"] == "无权进行此操作，权限不足", (method, rule, body)
    assert seen >= 50
