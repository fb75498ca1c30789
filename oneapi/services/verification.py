"""Short-lived codes for e-mail verification and password reset (10 minutes, as the original).

Kept in Redis when it is configured (so every worker sees them), else in this process's memory (the
original's own behaviour; with several workers and no Redis, a code is only known to the worker that made it).
"""
from __future__ import annotations

import re
import secrets
import threading
import time

from oneapi.models import User
from oneapi.models.constants import USER_DELETED
from oneapi.services import cache, mailer
from oneapi.services.errors import ServiceError
from oneapi.services.fields import INVALID
from oneapi.services.options import options

EMAIL_VERIFICATION = "v"
PASSWORD_RESET = "r"
VALID_SECONDS = 10 * 60
EMAIL_MAX = 50
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_codes: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


def _redis_key(email: str, purpose: str) -> str:
    return f"oneapi:verify:{purpose}:{email}"


def register_code(email: str, purpose: str, code: str) -> None:
    client = cache.redis_client()
    if client is not None:
        client.set(_redis_key(email, purpose), code, ex=VALID_SECONDS)
        return
    with _lock:
        now = time.time()
        for k in [k for k, (_, exp) in _codes.items() if exp < now]:
            del _codes[k]
        _codes[(email, purpose)] = (code, now + VALID_SECONDS)


def verify_code(email: str, code: str, purpose: str) -> bool:
    if not email or not code:
        return False
    client = cache.redis_client()
    if client is not None:
        stored = client.get(_redis_key(email, purpose))
        stored = stored.decode() if isinstance(stored, bytes) else stored
        return bool(stored) and secrets.compare_digest(stored, code)
    with _lock:
        entry = _codes.get((email, purpose))
    return bool(entry) and entry[1] >= time.time() and secrets.compare_digest(entry[0], code)


def delete_code(email: str, purpose: str) -> None:
    client = cache.redis_client()
    if client is not None:
        client.delete(_redis_key(email, purpose))
    with _lock:
        _codes.pop((email, purpose), None)


def _check_email(email) -> str:
    if not isinstance(email, str) or len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise ServiceError(INVALID)
    return email


def email_taken(email: str) -> bool:
    return User.select().where((User.email == email) & (User.status != USER_DELETED)).exists()


def send_verification(email) -> None:
    """GET /api/verification: mail a 6-character code to an unused address (domain whitelist applies)."""
    email = _check_email(email)
    if options.get_bool("EmailDomainRestrictionEnabled"):
        domains = [d.strip() for d in options.get("EmailDomainWhitelist").split(",") if d.strip()]
        if not any(email.endswith("@" + d) for d in domains):
            raise ServiceError("管理员启用了邮箱域名白名单，您的邮箱地址的域名不在白名单中")
    if email_taken(email):
        raise ServiceError("邮箱地址已被占用")
    code = secrets.token_hex(3)
    register_code(email, EMAIL_VERIFICATION, code)
    system = options.get("SystemName") or "One API"
    mailer.send(f"{system}邮箱验证邮件",  email,
                f"<p>您好，你正在进行{system}邮箱验证。</p><p>您的验证码为: <strong>{code}</strong></p>"
                f"<p>验证码 {VALID_SECONDS // 60} 分钟内有效，如果不是本人操作，请忽略。</p>")


def send_password_reset(email) -> None:
    """GET /api/reset_password: mail a reset link to a registered address."""
    email = _check_email(email)
    if not email_taken(email):
        raise ServiceError("该邮箱地址未注册")
    code = secrets.token_hex(16)
    register_code(email, PASSWORD_RESET, code)
    system = options.get("SystemName") or "One API"
    server = (options.get("ServerAddress") or "http://localhost:3000").rstrip("/")
    from urllib.parse import urlencode
    link = f"{server}/user/reset?{urlencode({'email': email, 'token': code})}"
    mailer.send(f"{system}密码重置", email,
                f"<p>您好，你正在进行{system}密码重置。</p><p>点击 <a href='{link}'>此处</a> 进行密码重置。</p>"
                f"<p>如果链接无法点击，请尝试点击下面的链接或将其复制到浏览器中打开：<br> {link} </p>"
                f"<p>重置链接 {VALID_SECONDS // 60} 分钟内有效，如果不是本人操作，请忽略。</p>")


def reset_password(email, token) -> str:
    """POST /api/user/reset: a valid link sets and returns a new random 12-character password."""
    from oneapi.security import hash_password
    if not isinstance(email, str) or not isinstance(token, str) or not email or not token:
        raise ServiceError(INVALID)
    if not verify_code(email, token, PASSWORD_RESET):
        raise ServiceError("重置链接非法或已过期")
    password = secrets.token_hex(6)
    User.update(password=hash_password(password)).where(
        (User.email == email) & (User.status != USER_DELETED)).execute()
    delete_code(email, PASSWORD_RESET)
    return password


def bind_email(user: User, email, code) -> None:
    """GET /api/oauth/email/bind: attach a verified address to the signed-in user."""
    email = _check_email(email)
    if not isinstance(code, str) or not verify_code(email, code, EMAIL_VERIFICATION):
        raise ServiceError("验证码错误或已过期")
    User.update(email=email).where(User.id == user.id).execute()
    delete_code(email, EMAIL_VERIFICATION)
