"""Users: sign-up, login, self-service and administration, with the original One API's rules and messages."""
from __future__ import annotations

import time
from typing import Any

import peewee

from oneapi.models import Ability, Token, User
from oneapi.models.constants import (ROLE_ADMIN, ROLE_COMMON, ROLE_ROOT, TOKEN_ENABLED, USER_DELETED,
                                     USER_DISABLED, USER_ENABLED)
from oneapi.security import hash_password, new_access_token, new_aff_code, new_token_key, uuid_hex, verify_password
from oneapi.services import cache, logs
from oneapi.services.errors import ServiceError
from oneapi.services.fields import INVALID, as_int, as_str
from oneapi.services.options import options

USERNAME_MAX = 30  # the original allows 12, its fork 30; existing names always fit
PASSWORD_MIN, PASSWORD_MAX = 8, 20
DISPLAY_NAME_MAX = 20
EMAIL_MAX = 50
GROUP_MAX = 32

MSG_LOGIN_FAILED = "用户名或密码错误，或用户已被封禁"
# Checked when no user matches, so that a wrong name costs as much time as a wrong password.
_DUMMY_HASH = "$2b$10$I4VtolQvgIYArXrRnm/Qe.yDoOkcDxU0LxtprPjEsLW41oUaoPK4a"
MSG_NO_USER = "用户不存在"
MSG_USERNAME_TAKEN = "用户名已存在"
LIST_ORDERS = {"quota": User.quota.desc(), "used_quota": User.used_quota.desc(),
               "request_count": User.request_count.desc()}


# ----------------------------------------------------------------------------------------------- views

def user_to_dict(user: User) -> dict[str, Any]:
    """The original's User JSON; the password and access token are never included (always blank)."""
    return {
        "id": user.id, "username": user.username or "", "password": "",
        "display_name": user.display_name or "", "role": user.role or 0, "status": user.status or 0,
        "email": user.email or "", "github_id": user.github_id or "", "wechat_id": user.wechat_id or "",
        "lark_id": user.lark_id or "", "oidc_id": user.oidc_id or "", "verification_code": "",
        "access_token": "", "quota": user.quota or 0, "used_quota": user.used_quota or 0,
        "request_count": user.request_count or 0, "group": user.group or "", "aff_code": user.aff_code or "",
        "inviter_id": user.inviter_id or 0,
    }


def sparse_view(user: User, *fields: str) -> dict[str, Any]:
    """The User JSON with only ``fields`` set and every other field at its zero value, as the original
    answers with a freshly built Go struct (login: id, username, display_name, role, status)."""
    full = user_to_dict(user)
    view = {k: ("" if isinstance(v, str) else 0) for k, v in full.items()}
    view.update({name: full[name] for name in fields})
    return view


def login_view(user: User) -> dict[str, Any]:
    return sparse_view(user, "id", "username", "display_name", "role", "status")


# ------------------------------------------------------------------------------------------ validation

def _check_username(value: Any) -> str:
    username = as_str(value, "username", max_len=USERNAME_MAX).strip()
    if not username:
        raise ServiceError("输入不合法：用户名不能为空")
    return username


def _check_password(value: Any) -> str:
    password = as_str(value, "password")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ServiceError(f"输入不合法：密码长度必须在 {PASSWORD_MIN}-{PASSWORD_MAX} 之间")
    return password


def _check_display_name(value: Any) -> str:
    return as_str(value, "display_name", default="", max_len=DISPLAY_NAME_MAX)


def _username_taken(username: str, except_id: int = 0) -> bool:
    query = User.select(User.id, User.username).where(User.username == username)
    # MySQL compares case-insensitively; the column is unique either way, so any match is a clash.
    return any(u.id != except_id for u in query)


# ------------------------------------------------------------------------------------------ look-ups

def get_user(user_id: Any) -> User:
    try:
        uid = as_int(user_id, "id")
    except ServiceError:
        raise ServiceError(MSG_NO_USER) from None
    user = User.get_or_none(User.id == uid)
    if user is None:
        raise ServiceError(MSG_NO_USER)
    return user


def list_users(offset: int, limit: int, order: str = "") -> tuple[list[User], int]:
    query = User.select().where(User.status != USER_DELETED)
    total = query.count()
    rows = query.order_by(LIST_ORDERS.get(order, User.id.desc())).offset(offset).limit(limit)
    return list(rows), total


def search_users(keyword: str, limit: int = 100) -> list[User]:
    keyword = keyword or ""
    cond = (User.username.startswith(keyword) | User.email.startswith(keyword)
            | User.display_name.startswith(keyword))
    if keyword.isdigit() and len(keyword) < 19:
        cond = cond | (User.id == int(keyword))
    return list(User.select().where(cond).order_by(User.id.desc()).limit(limit))


def available_models(user: User) -> list[str]:
    """Models with an enabled ability in the user's group, sorted."""
    rows = (Ability.select(Ability.model).distinct()
            .where((Ability.group == (user.group or "default")) & (Ability.enabled == True)))  # noqa: E712
    return sorted({r.model for r in rows})


# ------------------------------------------------------------------------------------------- sign-in

def login(username: Any, password: Any) -> User:
    if not options.get_bool("PasswordLoginEnabled"):
        raise ServiceError("管理员关闭了密码登录")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise ServiceError(INVALID)
    # The username first, then the same text as an e-mail (the original's order).
    user = User.get_or_none(User.username == username) or (
        User.select().where(User.email == username).order_by(User.id).first() if "@" in username else None)
    if user is None:
        verify_password(password, _DUMMY_HASH)
        raise ServiceError(MSG_LOGIN_FAILED)
    if not verify_password(password, user.password) or user.status != USER_ENABLED:
        raise ServiceError(MSG_LOGIN_FAILED)
    return user


def register(data: dict[str, Any]) -> User:
    """Public sign-up (POST /api/user/register)."""
    if not options.get_bool("RegisterEnabled"):
        raise ServiceError("管理员关闭了新用户注册")
    if not options.get_bool("PasswordRegisterEnabled"):
        raise ServiceError("管理员关闭了通过密码进行注册，请使用第三方账户验证的形式进行注册")
    username = _check_username(data.get("username"))
    password = _check_password(data.get("password"))
    email = as_str(data.get("email"), "email", default="", max_len=EMAIL_MAX)
    verified_email = ""
    if options.get_bool("EmailVerificationEnabled"):
        from oneapi.services import verification
        code = data.get("verification_code")
        if not email or not code:
            raise ServiceError("管理员开启了邮箱验证，请输入邮箱地址和验证码")
        if not isinstance(code, str) or not verification.verify_code(email, code, verification.EMAIL_VERIFICATION):
            raise ServiceError("验证码错误或已过期")
        verified_email = email
    aff = data.get("aff_code")
    inviter_id = 0
    if isinstance(aff, str) and aff:
        inviter = User.select(User.id, User.aff_code).where(User.aff_code == aff).first()
        if inviter is not None and inviter.aff_code == aff:
            inviter_id = inviter.id
    user = create_user(username, password, username, inviter_id=inviter_id, email=verified_email)
    if verified_email:
        from oneapi.services import verification
        verification.delete_code(verified_email, verification.EMAIL_VERIFICATION)
    return user


def create_user(username: str, password: str | None, display_name: str = "", *, inviter_id: int = 0,
                email: str = "", github_id: str = "", wechat_id: str = "", lark_id: str = "",
                oidc_id: str = "") -> User:
    """Insert a common user as the original's User.Insert: new-user quota, access token, aff code,
    invitation bonuses, system logs and a token named ``default`` (unlimited, never expires).
    ``password=None`` (third-party sign-in) stores no password, so password login is impossible."""
    username = _check_username(username)
    password_hash = "" if password is None else hash_password(_check_password(password))
    display_name = _check_display_name(display_name) or username
    quota_new = max(0, options.get_int("QuotaForNewUser"))
    quota_invitee = max(0, options.get_int("QuotaForInvitee")) if inviter_id else 0
    quota_inviter = max(0, options.get_int("QuotaForInviter")) if inviter_id else 0
    now = int(time.time())
    db = User._meta.database
    with db.atomic():
        if _username_taken(username):
            raise ServiceError(MSG_USERNAME_TAKEN)
        try:
            user = User.create(username=username, password=password_hash, display_name=display_name,
                               role=ROLE_COMMON, status=USER_ENABLED, email=email, github_id=github_id,
                               wechat_id=wechat_id, lark_id=lark_id, oidc_id=oidc_id,
                               access_token=new_access_token(), quota=quota_new, used_quota=0,
                               request_count=0, group="default", aff_code=_unused_aff_code(),
                               inviter_id=inviter_id)
        except peewee.IntegrityError:
            raise ServiceError(MSG_USERNAME_TAKEN) from None
        if quota_invitee:
            User.update(quota=User.quota + quota_invitee).where(User.id == user.id).execute()
        if quota_inviter:
            User.update(quota=User.quota + quota_inviter).where(User.id == inviter_id).execute()
        Token.create(user_id=user.id, key=new_token_key(), status=TOKEN_ENABLED, name="default",
                     created_time=now, accessed_time=now, expired_time=-1, remain_quota=-1,
                     unlimited_quota=True, used_quota=0, models=None, subnet="")
    if quota_new > 0:
        logs.record_system(user.id, f"新用户注册赠送 {logs.format_quota(quota_new)}")
    if quota_invitee:
        logs.record_system(user.id, f"使用邀请码赠送 {logs.format_quota(quota_invitee)}")
    if quota_inviter:
        logs.record_system(inviter_id, f"邀请用户赠送 {logs.format_quota(quota_inviter)}")
        cache.invalidate_user(inviter_id)
    return User.get_by_id(user.id)


def external_sign_in(column, external_id: str, prefix: str, display_name: str, email: str = "", *,
                     username: str = "") -> User:
    """Third-party sign-in: the user whose ``column`` (github_id, wechat_id...) is ``external_id``, else a new
    account (``username``, or ``<prefix>_<next id>``) without password when sign-up is open (the original's
    OAuth flows)."""
    user = User.select().where(column == external_id).order_by(User.id).first()
    if user is None:
        if not options.get_bool("RegisterEnabled"):
            raise ServiceError("管理员关闭了新用户注册")
        next_id = (User.select(User.id).order_by(User.id.desc()).scalar() or 0) + 1
        fields = dict(email=email if len(email) <= EMAIL_MAX else "", **{column.name: external_id})
        name = display_name[:DISPLAY_NAME_MAX]
        try:
            user = create_user(username or f"{prefix}_{next_id}", None, name, **fields)
        except ServiceError:  # the name was taken meanwhile: once more with a random suffix
            user = create_user(f"{prefix or 'user'}_{next_id}_{new_aff_code()}", None, name, **fields)
    if user.status != USER_ENABLED:
        raise ServiceError("用户已被封禁")
    return user


def bind_external(user: User, column, external_id: str, taken_message: str) -> None:
    """Link the third-party account ``external_id`` (in ``column``) to ``user``, unless an account holds it."""
    if User.select().where(column == external_id).exists():
        raise ServiceError(taken_message)
    User.update({column: external_id}).where(User.id == user.id).execute()
    cache.invalidate_user(user.id)


def _unused_aff_code() -> str:
    for _ in range(20):
        code = new_aff_code()
        if not User.select().where(User.aff_code == code).exists():
            return code
    raise ServiceError("请重试，系统生成的邀请码重复了")


# ---------------------------------------------------------------------------------------- self-service

def _profile_changes(user: User, data: dict[str, Any]) -> dict:
    """The username, display name and password changes ``data`` asks of ``user``; empty fields are kept."""
    changes: dict = {}
    if data.get("username"):
        username = _check_username(data["username"])
        if username != user.username:
            if _username_taken(username, except_id=user.id):
                raise ServiceError(MSG_USERNAME_TAKEN)
            changes[User.username] = username
    if data.get("display_name"):
        changes[User.display_name] = _check_display_name(data["display_name"])
    if data.get("password"):
        changes[User.password] = hash_password(_check_password(data["password"]))
    return changes


def update_self(user: User, data: dict[str, Any]) -> User:
    """PUT /api/user/self: username, display name and (when given) password; empty fields are kept."""
    changes = _profile_changes(user, data)
    if changes:
        try:
            User.update(changes).where(User.id == user.id).execute()
        except peewee.IntegrityError:
            raise ServiceError(MSG_USERNAME_TAKEN) from None
        cache.invalidate_user(user.id)
    return User.get_by_id(user.id)


def delete_self(user: User) -> None:
    if user.role == ROLE_ROOT:
        raise ServiceError("不能删除超级管理员账户")
    _soft_delete(user.id)


def rotate_access_token(user: User) -> str:
    token = new_access_token()
    User.update(access_token=token).where(User.id == user.id).execute()
    return token


def aff_code(user: User) -> str:
    if user.aff_code:
        return user.aff_code
    code = _unused_aff_code()
    User.update(aff_code=code).where(User.id == user.id).execute()
    return code


# ----------------------------------------------------------------------------------------- administration

def _may_act_on(actor: User, target: User) -> bool:
    return actor.role > target.role or actor.role >= ROLE_ROOT and actor.id != target.id


def get_user_for(actor: User, user_id: Any) -> User:
    user = get_user(user_id)
    if not (actor.role > user.role or actor.role >= ROLE_ROOT):
        raise ServiceError("无权获取同级或更高等级用户的信息")
    return user


def admin_create_user(actor: User, data: dict[str, Any]) -> User:
    """POST /api/user/: the new user is always a common user."""
    role = as_int(data.get("role"), "role", default=ROLE_COMMON)
    if role >= actor.role:
        raise ServiceError("无法创建权限大于等于自己的用户")
    if not data.get("username") or not data.get("password"):
        raise ServiceError(INVALID)
    return create_user(data.get("username"), data.get("password"), data.get("display_name") or "",
                       email=as_str(data.get("email"), "email", default="", max_len=EMAIL_MAX))


def admin_update_user(actor: User, data: dict[str, Any]) -> User:
    """PUT /api/user/: edit another user; empty fields are kept; a quota change writes a manage log."""
    uid = as_int(data.get("id"), "id", default=0)
    if uid <= 0:
        raise ServiceError(INVALID)
    target = get_user(uid)
    if not _may_act_on(actor, target):
        raise ServiceError("无权更新同权限等级或更高权限等级的用户信息")
    changes = _profile_changes(target, data)
    if data.get("email") is not None:
        changes[User.email] = as_str(data["email"], "email", max_len=EMAIL_MAX)
    if data.get("group"):
        changes[User.group] = as_str(data["group"], "group", max_len=GROUP_MAX).strip()
    if data.get("role") not in (None, 0):
        role = as_int(data["role"], "role")
        if role != target.role:
            if role >= actor.role:
                raise ServiceError("无权将其他用户权限等级提升到大于等于自己的权限等级")
            if role not in (ROLE_COMMON, ROLE_ADMIN):
                raise ServiceError(INVALID)
            changes[User.role] = role
    if data.get("status") not in (None, 0):
        status = as_int(data["status"], "status")
        if status not in (USER_ENABLED, USER_DISABLED):
            raise ServiceError(INVALID)
        changes[User.status] = status
    new_quota = None
    if "quota" in data and data["quota"] is not None:
        new_quota = as_int(data["quota"], "quota")
        if new_quota != target.quota:
            # Applied as a delta so that quota spent by requests meanwhile is not given back.
            changes[User.quota] = User.quota + (new_quota - target.quota)
    if changes:
        try:
            User.update(changes).where(User.id == uid).execute()
        except peewee.IntegrityError:
            raise ServiceError(MSG_USERNAME_TAKEN) from None
        cache.invalidate_user(uid)
    if new_quota is not None and new_quota != target.quota:
        logs.record_manage(uid, f"管理员将用户额度从 {logs.format_quota(target.quota)}修改为 "
                                f"{logs.format_quota(new_quota)}")
    return User.get_by_id(uid)


def admin_delete_user(actor: User, user_id: Any) -> None:
    target = get_user(user_id)
    if actor.role <= target.role:
        raise ServiceError("无权删除同权限等级或更高权限等级的用户")
    _soft_delete(target.id)


def _soft_delete(user_id: int) -> None:
    # No real delete: the original renames the account so its name can be reused, and keeps its rows.
    User.update(username=f"deleted_{uuid_hex()}", status=USER_DELETED).where(User.id == user_id).execute()
    cache.invalidate_user(user_id)


MANAGE_ACTIONS = ("disable", "enable", "delete", "promote", "demote")


def manage_user(actor: User, username: Any, action: Any) -> User:
    """POST /api/user/manage: disable, enable, delete, promote (root only) or demote a user by name."""
    if not isinstance(username, str) or not username or action not in MANAGE_ACTIONS:
        raise ServiceError(INVALID)
    target = User.get_or_none(User.username == username)
    if target is None or target.status == USER_DELETED:
        raise ServiceError(MSG_NO_USER)
    if actor.role <= target.role and actor.role != ROLE_ROOT:
        raise ServiceError("无权更新同权限等级或更高权限等级的用户信息")
    changes: dict = {}
    if action == "disable":
        if target.role == ROLE_ROOT:
            raise ServiceError("无法禁用超级管理员用户")
        changes[User.status] = USER_DISABLED
    elif action == "enable":
        changes[User.status] = USER_ENABLED
    elif action == "delete":
        if target.role == ROLE_ROOT:
            raise ServiceError("无法删除超级管理员用户")
        _soft_delete(target.id)
        return User.get_by_id(target.id)
    elif action == "promote":
        if actor.role != ROLE_ROOT:
            raise ServiceError("普通管理员用户无法提升其他用户为管理员")
        if target.role >= ROLE_ADMIN:
            raise ServiceError("该用户已经是管理员")
        changes[User.role] = ROLE_ADMIN
    elif action == "demote":
        if target.role == ROLE_ROOT:
            raise ServiceError("无法降级超级管理员用户")
        if target.role == ROLE_COMMON:
            raise ServiceError("该用户已经是普通用户")
        changes[User.role] = ROLE_COMMON
    User.update(changes).where(User.id == target.id).execute()
    cache.invalidate_user(target.id)
    return User.get_by_id(target.id)


# ------------------------------------------------------------------------------------------------ quota

def increase_quota(user_id: int, amount: int) -> None:
    """Atomic ``quota = quota + amount`` (never read-modify-write)."""
    User.update(quota=User.quota + amount).where(User.id == user_id).execute()
    cache.invalidate_user(user_id)


def admin_top_up(data: dict[str, Any]) -> None:
    """POST /api/topup: add quota to a user and write a top-up log with the amount."""
    user = get_user(data.get("user_id"))
    quota = as_int(data.get("quota"), "quota", minimum=0, maximum=10 ** 15)
    remark = as_str(data.get("remark"), "remark", default="", max_len=1000)
    if quota <= 0:
        raise ServiceError("quota 必须大于 0")
    increase_quota(user.id, quota)
    logs.record_topup(user.id, remark or f"通过 API 充值 {logs.format_quota(quota)}", quota)
