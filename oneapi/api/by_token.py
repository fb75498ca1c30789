"""Fork routes that identify the caller by a relay API key (``Authorization: Bearer sk-...``) instead of a
session or access token: the key owner's profile and the models the key may use."""
from __future__ import annotations

from flask import jsonify

from oneapi.api import bp
from oneapi.api._helpers import ok
from oneapi.models import User
from oneapi.relay import auth as relay_auth
from oneapi.relay.errors import RelayError
from oneapi.services import users


def _caller():
    try:
        caller = relay_auth.authenticate()
    except RelayError as exc:
        return None, (jsonify({"success": False, "message": exc.message}), exc.status)
    user = User.get_or_none(User.id == caller.user.id)
    if user is None:
        return None, (jsonify({"success": False, "message": "用户不存在"}), 401)
    return (caller, user), None


@bp.get("/user/get-by-token")
def user_by_token():
    found, error = _caller()
    if error:
        return error
    return ok(users.user_to_dict(found[1]))


@bp.get("/available_models")
def models_for_token():
    found, error = _caller()
    if error:
        return error
    caller, user = found
    models = users.available_models(user)
    allowed = relay_auth.allowed_models(caller)
    return ok(models if allowed is None else [m for m in models if m in set(allowed)])
