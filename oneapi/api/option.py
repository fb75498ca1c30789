"""/api/option/: the options table (root only). Keys ending in Token or Secret are never listed."""
from __future__ import annotations

from flask import request

from oneapi.api import bp
from oneapi.api._helpers import fail, ok, service_errors
from oneapi.auth import root_required
from oneapi.services import option_rules
from oneapi.services.options import SECRET_SUFFIXES, options


@bp.get("/option/")
@root_required
def list_options():
    return ok([{"key": k, "value": v} for k, v in options.all().items() if not k.endswith(SECRET_SUFFIXES)])


@bp.put("/option/")
@root_required
@service_errors
def update_option():
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("key"), str) or not data["key"]:
        return fail("无效的参数", 400)  # the original answers an undecodable body with HTTP 400
    if "value" not in data:
        return fail("无效的参数：缺少 value")
    option_rules.apply(data["key"], data["value"])
    return ok()
