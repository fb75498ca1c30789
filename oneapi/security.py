"""Passwords, generated keys and request ids, compatible with the original's formats."""
from __future__ import annotations

import hmac
import random
import secrets
import string
import time
import uuid

import bcrypt

_ALNUM = string.ascii_letters + string.digits


def hash_password(password: str) -> str:
    # Go's bcrypt writes $2a$ at cost 10; $2b$ is the same algorithm and the original accepts both.
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=10)).decode("ascii")


def verify_password(password: str, hashed: str | None) -> bool:
    if not hashed or not password:
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:  # not a bcrypt hash
        return False


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def uuid_hex() -> str:
    return uuid.uuid4().hex


def new_token_key() -> str:
    """48 characters: 16 random alphanumerics + a UUID's 32 hex with every even-index letter upper-cased."""
    head = "".join(secrets.choice(_ALNUM) for _ in range(16))
    tail = "".join(ch.upper() if i % 2 == 0 else ch for i, ch in enumerate(uuid.uuid4().hex))
    return head + tail


def new_access_token() -> str:
    return uuid.uuid4().hex


def new_aff_code() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(4))


_stamp = (0, "")  # (Unix second, its local YYYYMMDDhhmmss): formatted once per second, not per request


def new_request_id() -> str:
    """Local time YYYYMMDDhhmmss + UnixNano % 1e9 (not padded) + 8 random digits, as the original."""
    global _stamp
    now = time.time_ns()
    second = now // 1_000_000_000
    if _stamp[0] != second:
        _stamp = (second, time.strftime("%Y%m%d%H%M%S", time.localtime(second)))
    return f"{_stamp[1]}{now % 1_000_000_000}{int(random.random() * 100_000_000):08d}"
