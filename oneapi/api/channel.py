"""/api/channel/...: upstream channels (admin). The channel key is never sent back."""
from __future__ import annotations

from flask import jsonify, request

from oneapi.api import bp
from oneapi.api._helpers import fail, json_body, ok, page_args, service_errors
from oneapi.auth import admin_required
from oneapi.services import channel_balance, channel_checks, channel_types, channels
from oneapi.services.channels import channel_to_dict

_MODEL_CREATED = 1626777600  # the fixed "created" the original reports for every model


@bp.get("/channel/")
@admin_required
def list_channels():
    offset, limit = page_args()
    rows, total = channels.list_channels(offset, limit, request.args.get("sort", ""), request.args.get("order", ""))
    return ok([channel_to_dict(c) for c in rows], total=total)


@bp.get("/channel/search")
@admin_required
def search_channels():
    return ok([channel_to_dict(c) for c in channels.search_channels(request.args.get("keyword", ""))])


@bp.get("/channel/models")
@admin_required
def list_all_models():
    # OpenAI's model-list shape, not the usual envelope (as the original).
    data = []
    for name in channels.all_models():
        owner = channel_types.owner_of_model(name)
        data.append({"id": name, "object": "model", "created": _MODEL_CREATED, "owned_by": owner,
                     "permission": [{"id": f"modelperm-{name}", "object": "model_permission",
                                     "created": _MODEL_CREATED, "allow_create_engine": True,
                                     "allow_sampling": True, "allow_logprobs": True,
                                     "allow_search_indices": False, "allow_view": True,
                                     "allow_fine_tuning": False, "organization": "*", "group": None,
                                     "is_blocking": False}],
                     "root": name, "parent": None})
    return jsonify({"object": "list", "data": data})


@bp.get("/channel/test")
@admin_required
def test_all_channels():
    """Starts testing every channel (``scope=disabled``: only disabled ones) in the background."""
    scope = "disabled" if request.args.get("scope") == "disabled" else "all"
    if not channel_checks.start_test_all(scope):
        return fail("测试已在运行中")
    return ok()


@bp.get("/channel/test/<channel_id>")
@admin_required
@service_errors
def test_channel(channel_id):
    channel = channels.get_channel(channel_id)
    model_name, success, message, seconds = channel_checks.test_one(channel, request.args.get("model") or None)
    return jsonify({"success": success, "message": message, "time": round(seconds, 3) if success else 0.0,
                    "modelName": model_name})


@bp.get("/channel/update_balance")
@admin_required
def update_all_balances():
    if not channel_checks.start_balance_all():
        return fail("余额更新已在运行中")
    return ok()


@bp.get("/channel/update_balance/<channel_id>")
@admin_required
@service_errors
def update_balance(channel_id):
    balance = channel_balance.update_balance(channels.get_channel(channel_id))
    return jsonify({"success": True, "message": "", "balance": balance})


@bp.get("/channel/<channel_id>")
@admin_required
@service_errors
def get_channel(channel_id):
    return ok(channel_to_dict(channels.get_channel(channel_id)))


@bp.post("/channel/")
@admin_required
@service_errors
def create_channels():
    channels.create_channels(json_body())
    return ok()


@bp.put("/channel/")
@admin_required
@service_errors
def update_channel():
    return ok(channel_to_dict(channels.update_channel(json_body())))


@bp.delete("/channel/disabled")
@admin_required
def delete_disabled_channels():
    return ok(channels.delete_disabled())


@bp.delete("/channel/<channel_id>")
@admin_required
@service_errors
def delete_channel(channel_id):
    channels.delete_channel(channel_id)
    return ok()
