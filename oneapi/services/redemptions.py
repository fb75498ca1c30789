"""Redemption codes: admins create them in bulk, users redeem them for quota (each code exactly once)."""
from __future__ import annotations

import time
from typing import Any

from oneapi.models import Redemption, User
from oneapi.models.constants import REDEMPTION_DISABLED, REDEMPTION_ENABLED, REDEMPTION_USED
from oneapi.security import uuid_hex
from oneapi.services import cache, logs
from oneapi.services.errors import ServiceError
from oneapi.services.fields import INVALID, as_int, as_str

NAME_MAX = 20
COUNT_MAX = 100
QUOTA_MAX = 10 ** 15
MSG_NOT_FOUND = "兑换码不存在"
STATUSES = (REDEMPTION_ENABLED, REDEMPTION_DISABLED, REDEMPTION_USED)


def redemption_to_dict(r: Redemption) -> dict[str, Any]:
    return {"id": r.id, "user_id": r.user_id or 0, "key": (r.key or "").strip(), "status": r.status,
            "name": r.name or "", "quota": r.quota, "created_time": r.created_time or 0,
            "redeemed_time": r.redeemed_time or 0}


def _name(value: Any) -> str:
    name = as_str(value, "name", default="")
    if not 1 <= len(name) <= NAME_MAX:
        raise ServiceError("兑换码名称长度必须在1-20之间")
    return name


def get_redemption(redemption_id: Any) -> Redemption:
    try:
        rid = as_int(redemption_id, "id")
    except ServiceError:
        raise ServiceError(MSG_NOT_FOUND) from None
    r = Redemption.get_or_none(Redemption.id == rid)
    if r is None:
        raise ServiceError(MSG_NOT_FOUND)
    return r


def list_redemptions(offset: int, limit: int) -> tuple[list[Redemption], int]:
    query = Redemption.select()
    total = query.count()
    return list(query.order_by(Redemption.id.desc()).offset(offset).limit(limit)), total


def search_redemptions(keyword: str, limit: int = 100) -> list[Redemption]:
    keyword = keyword or ""
    cond = Redemption.name.startswith(keyword)
    if keyword.isdigit() and len(keyword) < 19:
        cond = cond | (Redemption.id == int(keyword))
    return list(Redemption.select().where(cond).order_by(Redemption.id.desc()).limit(limit))


def create_redemptions(creator_id: int, data: dict[str, Any]) -> list[str]:
    """Generate ``count`` (1-100) codes of ``quota`` each; returns the 32-hex keys. All or nothing."""
    name = _name(data.get("name"))
    count = as_int(data.get("count"), "count", default=1, minimum=-(2 ** 31), maximum=2 ** 31)
    if count <= 0:
        raise ServiceError("兑换码个数必须大于0")
    if count > COUNT_MAX:
        raise ServiceError("一次兑换码批量生成的个数不能大于 100")
    quota = as_int(data.get("quota"), "quota", default=100, minimum=0, maximum=QUOTA_MAX)
    now = int(time.time())
    keys = [uuid_hex() for _ in range(count)]
    with Redemption._meta.database.atomic():
        Redemption.insert_many([{"user_id": creator_id, "key": k, "status": REDEMPTION_ENABLED, "name": name,
                                 "quota": quota, "created_time": now, "redeemed_time": 0} for k in keys]).execute()
    return keys


def update_redemption(data: dict[str, Any], *, status_only: bool = False) -> Redemption:
    r = get_redemption(data.get("id"))
    if status_only:
        status = as_int(data.get("status"), "status")
        if status not in STATUSES:
            raise ServiceError(INVALID)
        changes = {Redemption.status: status}
    else:
        changes = {Redemption.name: _name(data.get("name", r.name)),
                   Redemption.quota: as_int(data.get("quota", r.quota), "quota", minimum=0, maximum=QUOTA_MAX)}
    Redemption.update(changes).where(Redemption.id == r.id).execute()
    return Redemption.get_by_id(r.id)


def delete_redemption(redemption_id: Any) -> None:
    r = get_redemption(redemption_id)
    Redemption.delete().where(Redemption.id == r.id).execute()


def redeem(key: Any, user_id: int) -> int:
    """Add the code's quota to the user and mark it used; a code is redeemed once even under concurrency
    (the status flip is a conditional UPDATE whose row count decides who wins)."""
    if not isinstance(key, str) or not key.strip():
        raise ServiceError("未提供兑换码")
    if not user_id:
        raise ServiceError("无效的 user id")
    key = key.strip()
    code = Redemption.select().where(Redemption.key == key).first()
    if code is None or (code.key or "").strip() != key:  # MySQL matches case-insensitively
        raise ServiceError("兑换失败，无效的兑换码")
    if code.status != REDEMPTION_ENABLED:
        raise ServiceError("兑换失败，该兑换码已被使用")
    with Redemption._meta.database.atomic():
        won = (Redemption.update(status=REDEMPTION_USED, redeemed_time=int(time.time()))
               .where((Redemption.id == code.id) & (Redemption.status == REDEMPTION_ENABLED)).execute())
        if won != 1:
            raise ServiceError("兑换失败，该兑换码已被使用")
        User.update(quota=User.quota + code.quota).where(User.id == user_id).execute()
    cache.invalidate_user(user_id)
    logs.record_topup(user_id, f"通过兑换码充值 {logs.format_quota(code.quota)}", 0)
    return code.quota
