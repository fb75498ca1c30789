"""Answers that need no upstream: the model list and the original's billing compatibility routes."""
from __future__ import annotations

from oneapi.models import Ability, Channel, Token
from oneapi.models.constants import CHANNEL_ENABLED
from oneapi.relay import auth, providers
from oneapi.services.options import options

_CREATED = 1626777600  # the fixed timestamp the original reports for every model


def _owner(channel_type: int) -> str:
    vendor = providers.vendor_of(channel_type)
    if channel_type in providers.anthropic.TYPES:
        return "anthropic"
    if channel_type in providers.gemini.TYPES:
        return "google"
    return (vendor.name if vendor else "openai").lower().replace(" ", "")


def _model_object(model: str, owner: str) -> dict:
    permission = {"id": f"modelperm-{model}", "object": "model_permission", "created": _CREATED,
                  "allow_create_engine": True, "allow_sampling": True, "allow_logprobs": True,
                  "allow_search_indices": False, "allow_view": True, "allow_fine_tuning": False,
                  "organization": "*", "group": None, "is_blocking": False}
    return {"id": model, "object": "model", "created": _CREATED, "owned_by": owner, "permission": [permission],
            "root": model, "parent": None}


def models_for(caller: auth.Caller) -> list[dict]:
    """Models this token may use: enabled abilities of the user's group, enabled channels, token allow-list."""
    rows = (Ability.select(Ability.model, Channel.type)
            .join(Channel, on=(Ability.channel_id == Channel.id))
            .where((Ability.group == caller.group) & (Ability.enabled == True)  # noqa: E712
                   & (Channel.status == CHANNEL_ENABLED))
            .order_by(Ability.model).objects())
    owners: dict[str, str] = {}
    for row in rows:
        owners.setdefault(row.model, _owner(row.type))
    allowed = auth.allowed_models(caller)
    if allowed is not None:
        owners = {m: o for m, o in owners.items() if m in allowed}
    return [_model_object(m, o) for m, o in sorted(owners.items())]


def _quota_per_unit() -> float:
    return options.get_float("QuotaPerUnit", 500000.0) or 500000.0


def subscription(caller: auth.Caller) -> dict:
    token = Token.get_or_none(Token.id == caller.token.id)
    if options.get_bool("DisplayTokenStatEnabled") and token is not None:
        expired, quota = token.expired_time or 0, (token.remain_quota or 0) + (token.used_quota or 0)
    else:
        from oneapi.models import User
        user = User.get_or_none(User.id == caller.user.id)
        expired, quota = 0, ((user.quota or 0) + (user.used_quota or 0)) if user else 0
        token = token if options.get_bool("DisplayTokenStatEnabled") else None
    amount = float(quota)
    if options.get_bool("DisplayInCurrencyEnabled"):
        amount /= _quota_per_unit()
    if token is not None and token.unlimited_quota:
        amount = 100000000.0
    return {"object": "billing_subscription", "has_payment_method": True, "soft_limit_usd": amount,
            "hard_limit_usd": amount, "system_hard_limit_usd": amount, "access_until": max(0, expired)}


def usage(caller: auth.Caller) -> dict:
    if options.get_bool("DisplayTokenStatEnabled"):
        token = Token.get_or_none(Token.id == caller.token.id)
        used = token.used_quota if token else 0
    else:
        from oneapi.models import User
        user = User.get_or_none(User.id == caller.user.id)
        used = user.used_quota if user else 0
    amount = float(used or 0)
    if options.get_bool("DisplayInCurrencyEnabled"):
        amount /= _quota_per_unit()
    return {"object": "list", "total_usage": amount * 100}
