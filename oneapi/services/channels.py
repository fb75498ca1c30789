"""Upstream channels and their routing projection (``abilities``).

Abilities are rebuilt from the channel on every create and update (one row per group x model, models
de-duplicated, ``enabled`` = status is 1, priority copied) and toggled with the channel's status. The channel
``key`` is a credential: it is never part of what this module returns for display.
"""
from __future__ import annotations

import json
import time
from typing import Any

import peewee

from oneapi.models import Ability, Channel
from oneapi.models.constants import CHANNEL_AUTO_DISABLED, CHANNEL_ENABLED, CHANNEL_MANUALLY_DISABLED
from oneapi.services import cache, channel_types
from oneapi.services.errors import ServiceError
from oneapi.services.fields import INVALID, as_int, as_opt_str, as_str

MSG_NOT_FOUND = "渠道不存在"
MSG_BAD_ABILITIES = "渠道的模型或分组无法保存（可能是只有大小写不同的重复项），请检查 models 与 group"
MAX_KEYS_PER_CREATE = 1000
STATUSES = (CHANNEL_ENABLED, CHANNEL_MANUALLY_DISABLED, CHANNEL_AUTO_DISABLED)
SORT_FIELDS = {"id": Channel.id, "name": Channel.name, "type": Channel.type, "status": Channel.status,
               "priority": Channel.priority, "weight": Channel.weight, "balance": Channel.balance,
               "used_quota": Channel.used_quota, "response_time": Channel.response_time,
               "created_time": Channel.created_time, "test_time": Channel.test_time}

# Fields the original's JSON shows, in order; "key" is always blank.
_PUBLIC_FIELDS = ("id", "type", "key", "status", "name", "weight", "created_time", "test_time", "response_time",
                  "base_url", "other", "balance", "balance_updated_time", "models", "group", "used_quota",
                  "model_mapping", "priority", "config", "system_prompt", "model_configs", "ratelimit",
                  "testing_model", "inference_profile_arn_map")


def channel_to_dict(channel: Channel) -> dict[str, Any]:
    out = {name: getattr(channel, name) for name in _PUBLIC_FIELDS}
    out["key"] = ""
    for name in ("type", "status", "weight", "created_time", "test_time", "response_time",
                 "balance_updated_time", "used_quota", "priority", "ratelimit"):
        out[name] = out[name] or 0
    out["balance"] = float(out["balance"] or 0)
    for name in ("name", "models", "group", "config"):
        out[name] = out[name] or ""
    return out


# ------------------------------------------------------------------------------------------ validation

TEXT_BYTES = 65535  # MySQL TEXT; LONGTEXT columns get a generous character cap instead


def _json_object_text(value: Any, name: str, max_len: int) -> str | None:
    """A text column holding a JSON object: ``""`` and ``None`` kept, anything else must parse to an object."""
    text = as_opt_str(value, name, max_len=max_len, max_bytes=TEXT_BYTES)
    if text is None or not text.strip():
        return text
    try:
        parsed = json.loads(text)
    except ValueError:
        raise ServiceError(f"{name} 不是合法的 JSON") from None
    if not isinstance(parsed, dict):
        raise ServiceError(f"{name} 必须是 JSON 对象")
    return text


def _type(value: Any) -> int:
    type_id = as_int(value, "type", default=0)
    if channel_types.get(type_id) is None:
        raise ServiceError("无效的渠道类型")
    return type_id


# Per field: the validator, and whether the column is a Go pointer (an explicit empty/zero value is written
# on update) or a plain value (zero/empty means "keep", as GORM's Updates with a struct).
_FIELDS: dict[str, tuple[Any, bool]] = {
    "type": (_type, False),
    "name": (lambda v: as_str(v, "name", max_len=191), False),
    "status": (lambda v: _status(v), False),
    "weight": (lambda v: as_int(v, "weight", minimum=0, maximum=2 ** 31), True),
    "base_url": (lambda v: as_opt_str(v, "base_url", max_len=191), True),
    "other": (lambda v: as_opt_str(v, "other", max_len=10_000), True),
    "models": (lambda v: _models(v), False),
    "group": (lambda v: as_str(v, "group", max_len=32), False),
    "model_mapping": (lambda v: _json_object_text(v, "model_mapping", 1024), True),
    "priority": (lambda v: as_int(v, "priority", minimum=-(2 ** 62), maximum=2 ** 62), True),
    "config": (lambda v: _json_object_text(v, "config", 1_000_000), False),
    "system_prompt": (lambda v: as_opt_str(v, "system_prompt", max_bytes=TEXT_BYTES), True),
    "model_configs": (lambda v: _json_object_text(v, "model_configs", TEXT_BYTES), True),
    "ratelimit": (lambda v: as_int(v, "ratelimit", minimum=0, maximum=2 ** 31), True),
    "testing_model": (lambda v: as_opt_str(v, "testing_model", max_len=255), True),
    "inference_profile_arn_map": (lambda v: _json_object_text(v, "inference_profile_arn_map", TEXT_BYTES), True),
}


MODEL_NAME_MAX = 191  # abilities.model is varchar(191) on MySQL


def _models(value: Any) -> str:
    text = as_str(value, "models", max_len=1_000_000)
    if any(len(m.strip()) > MODEL_NAME_MAX for m in text.split(",")):
        raise ServiceError(f"模型名称过长（最多 {MODEL_NAME_MAX} 个字符）")
    return text


def _status(value: Any) -> int:
    status = as_int(value, "status")
    if status not in STATUSES and status != 0:
        raise ServiceError(INVALID)
    return status


def _collect(data: dict[str, Any], *, for_update: bool) -> dict[str, Any]:
    """Validated column values from a request body (GORM ``Updates`` semantics when ``for_update``)."""
    values: dict[str, Any] = {}
    for name, (check, is_pointer) in _FIELDS.items():
        if name not in data or data[name] is None:
            continue
        value = check(data[name])
        if for_update and not is_pointer and not value:
            continue  # zero value of a plain field: not part of the update
        values[name] = value
    return values


# ------------------------------------------------------------------------------------------ abilities

def _ability_rows(channel: Channel) -> list[dict]:
    models = list(dict.fromkeys(m.strip() for m in (channel.models or "").split(",") if m.strip()))
    groups = list(dict.fromkeys(g.strip() for g in (channel.group or "").split(",") if g.strip()))
    enabled = channel.status == CHANNEL_ENABLED
    return [{"group": g, "model": m, "channel_id": channel.id, "enabled": enabled,
             "priority": channel.priority or 0} for m in models for g in groups]


def rebuild_abilities(channel: Channel) -> None:
    """Replace the channel's abilities with the product of its groups and models (call inside a transaction)."""
    Ability.delete().where(Ability.channel_id == channel.id).execute()
    rows = _ability_rows(channel)
    for start in range(0, len(rows), 500):
        Ability.insert_many(rows[start:start + 500]).execute()


def set_status(channel_id: int, status: int) -> None:
    """Change a channel's status and (in the same transaction) whether its abilities route."""
    if status not in STATUSES:
        raise ServiceError(INVALID)
    with Channel._meta.database.atomic():
        Channel.update(status=status).where(Channel.id == channel_id).execute()
        Ability.update(enabled=status == CHANNEL_ENABLED).where(Ability.channel_id == channel_id).execute()
    cache.invalidate_channels()


# ------------------------------------------------------------------------------------------- reading

def get_channel(channel_id: Any) -> Channel:
    try:
        cid = as_int(channel_id, "id")
    except ServiceError:
        raise ServiceError(MSG_NOT_FOUND) from None
    channel = Channel.get_or_none(Channel.id == cid)
    if channel is None:
        raise ServiceError(MSG_NOT_FOUND)
    return channel


def list_channels(offset: int, limit: int, sort: str = "", order: str = "") -> tuple[list[Channel], int]:
    column = SORT_FIELDS.get(sort, Channel.id)
    ordering = column.asc() if order == "asc" else column.desc()
    query = Channel.select()
    total = query.count()
    return list(query.order_by(ordering, Channel.id.desc()).offset(offset).limit(limit)), total


def search_channels(keyword: str, limit: int = 100) -> list[Channel]:
    keyword = keyword or ""
    cond = Channel.name.startswith(keyword) | (Channel.key == keyword)
    if keyword.isdigit() and len(keyword) < 19:
        cond = cond | (Channel.id == int(keyword))
    return list(Channel.select().where(cond).order_by(Channel.id.desc()).limit(limit))


def all_models() -> list[str]:
    """Every model name known for any channel type, sorted (GET /api/channel/models)."""
    names: set[str] = set()
    for models in channel_types.models_by_type().values():
        names.update(models)
    for row in Ability.select(Ability.model).distinct():
        names.add(row.model)
    return sorted(names)


# ------------------------------------------------------------------------------------------- writing

def create_channels(data: dict[str, Any]) -> list[Channel]:
    """POST /api/channel/: one channel per non-empty line of ``key``; all or nothing."""
    values = _collect(data, for_update=False)
    key_text = as_str(data.get("key"), "key", default="")
    keys = [k.strip() for k in key_text.split("\n") if k.strip()]
    if not keys:
        raise ServiceError("渠道密钥不能为空")
    if len(keys) > MAX_KEYS_PER_CREATE:
        raise ServiceError(f"一次最多添加 {MAX_KEYS_PER_CREATE} 个渠道")
    values.setdefault("status", CHANNEL_ENABLED)
    if not values["status"]:
        values["status"] = CHANNEL_ENABLED
    values.setdefault("group", "default")
    values["group"] = values["group"] or "default"
    values.setdefault("models", "")
    values.setdefault("type", 0)
    values.setdefault("base_url", "")
    values.setdefault("model_mapping", "")
    values.setdefault("priority", 0)
    values.setdefault("weight", 0)
    values.setdefault("config", "")
    values["created_time"] = int(time.time())
    created = []
    try:
        with Channel._meta.database.atomic():
            for key in keys:
                channel = Channel.create(key=key, **values)
                rebuild_abilities(channel)
                created.append(channel)
    except (peewee.IntegrityError, peewee.DataError):
        raise ServiceError(MSG_BAD_ABILITIES) from None
    cache.invalidate_channels()
    return created


def update_channel(data: dict[str, Any]) -> Channel:
    """PUT /api/channel/: GORM ``Updates`` semantics (zero/empty plain fields and an empty key are kept)."""
    channel = get_channel(data.get("id"))
    values = _collect(data, for_update=True)
    key = data.get("key")
    if key is not None and as_str(key, "key").strip():
        values["key"] = key.strip()
    try:
        with Channel._meta.database.atomic():
            if values:
                Channel.update(**values).where(Channel.id == channel.id).execute()
            channel = Channel.get_by_id(channel.id)
            rebuild_abilities(channel)
    except (peewee.IntegrityError, peewee.DataError):
        raise ServiceError(MSG_BAD_ABILITIES) from None
    cache.invalidate_channels()
    return channel


def delete_channel(channel_id: Any) -> None:
    channel = get_channel(channel_id)
    with Channel._meta.database.atomic():
        Channel.delete().where(Channel.id == channel.id).execute()
        Ability.delete().where(Ability.channel_id == channel.id).execute()
    cache.invalidate_channels()


def delete_disabled() -> int:
    """Delete every manually or automatically disabled channel (statuses 2 and 3) and its abilities."""
    disabled = (CHANNEL_MANUALLY_DISABLED, CHANNEL_AUTO_DISABLED)
    with Channel._meta.database.atomic():
        ids = [c.id for c in Channel.select(Channel.id).where(Channel.status.in_(disabled))]
        count = Channel.delete().where(Channel.status.in_(disabled)).execute()
        if ids:
            Ability.delete().where(Ability.channel_id.in_(ids)).execute()
    cache.invalidate_channels()
    return count
