"""Checking values that come from clients (JSON bodies, query strings) before they reach the database.

Every helper raises ``ServiceError`` with a clear message instead of letting a bad type or an out-of-range
number reach SQL (where it would become a 500 or a silently truncated value).
"""
from __future__ import annotations

from typing import Any

from oneapi.services.errors import ServiceError

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1
INVALID = "无效的参数"


def as_int(value: Any, name: str, *, default: int | None = None, minimum: int = INT64_MIN,
           maximum: int = INT64_MAX) -> int:
    """An integer field; whole floats (``5.0``) and digit strings are accepted, booleans are not."""
    if value is None:
        if default is None:
            raise ServiceError(f"{INVALID}：缺少 {name}")
        return default
    if isinstance(value, bool):
        raise ServiceError(f"{INVALID}：{name} 必须是整数")
    if isinstance(value, float):
        if not value.is_integer():
            raise ServiceError(f"{INVALID}：{name} 必须是整数")
        value = int(value)
    elif isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ServiceError(f"{INVALID}：{name} 必须是整数") from None
    elif not isinstance(value, int):
        raise ServiceError(f"{INVALID}：{name} 必须是整数")
    if value < minimum or value > maximum:
        raise ServiceError(f"{INVALID}：{name} 超出范围")
    return value


def as_str(value: Any, name: str, *, default: str | None = None, max_len: int | None = None,
           max_bytes: int | None = None) -> str:
    if value is None:
        if default is None:
            raise ServiceError(f"{INVALID}：缺少 {name}")
        return default
    if not isinstance(value, str):
        raise ServiceError(f"{INVALID}：{name} 必须是字符串")
    if max_len is not None and len(value) > max_len:
        raise ServiceError(f"{INVALID}：{name} 过长（最多 {max_len} 个字符）")
    if max_bytes is not None and len(value.encode("utf-8")) > max_bytes:  # e.g. MySQL TEXT holds 65535 bytes
        raise ServiceError(f"{INVALID}：{name} 过长（最多 {max_bytes} 字节）")
    return value


def as_opt_str(value: Any, name: str, *, max_len: int | None = None, max_bytes: int | None = None) -> str | None:
    """A nullable string column (Go ``*string``): ``None`` stays ``None``."""
    return None if value is None else as_str(value, name, max_len=max_len, max_bytes=max_bytes)


def as_bool(value: Any, name: str, *, default: bool | None = None) -> bool:
    if value is None:
        if default is None:
            raise ServiceError(f"{INVALID}：缺少 {name}")
        return default
    if not isinstance(value, bool):
        raise ServiceError(f"{INVALID}：{name} 必须是布尔值")
    return value


def page_bounds(page: Any, size: Any, max_size: int) -> tuple[int, int]:
    """(offset, limit) from a 0-based page number and a page size capped at ``max_size``; lenient."""
    try:
        p = max(0, int(page))
    except (TypeError, ValueError):
        p = 0
    try:
        s = int(size)
    except (TypeError, ValueError):
        s = 10
    s = 10 if s <= 0 else min(s, max_size)
    p = min(p, INT64_MAX // (s + 1))
    return p * s, s

