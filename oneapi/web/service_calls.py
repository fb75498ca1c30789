"""How pages reach the services layer: lazy module access and ServiceError turned into a message for the form."""
from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any, Callable

log = logging.getLogger(__name__)


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"oneapi.services.{name}")


def users_service() -> ModuleType:
    return _module("users")


def tokens_service() -> ModuleType:
    return _module("tokens")


def channels_service() -> ModuleType:
    return _module("channels")


def redemptions_service() -> ModuleType:
    return _module("redemptions")


def logs_service() -> ModuleType:
    return _module("logs")


def channel_types() -> ModuleType:
    return _module("channel_types")


def _is_service_error(exc: BaseException) -> bool:
    return any(cls.__name__ == "ServiceError" for cls in type(exc).__mro__)


def call(fn: Callable, *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """Run a service function: (result, None) or (None, the error message to show next to the form)."""
    try:
        return fn(*args, **kwargs), None
    except Exception as exc:  # noqa: BLE001 - only ServiceError is expected; others propagate
        if _is_service_error(exc):
            from oneapi.web.i18n import service_message
            return None, service_message(str(getattr(exc, "message", "") or exc))
        raise


def flash_outcome(err: str | None, success: str) -> None:
    """Flash the service's error, or ``success`` when there was none."""
    from flask import flash
    flash(err or success, "error" if err else "success")


def place_error(message: str | None, errors: dict, hints: dict[str, tuple[str, ...]]) -> str | None:
    """Put a service's error next to the field it is about (by words in the message); else return it for the
    form's top. ``hints`` maps a field name to words that identify it, e.g. {"subnet": ("subnet", "网段")}."""
    if not message:
        return None
    lowered = message.lower()
    for field, words in hints.items():
        if any(word.lower() in lowered for word in words):
            errors[field] = message
            return None
    return message
