"""Small shared pieces of the /api route modules: the envelope, JSON bodies and pagination."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import jsonify, request, session

from oneapi import config
from oneapi.services.errors import ServiceError
from oneapi.services.fields import INVALID, page_bounds


def ok(data: Any = None, *, message: str = "", **extra: Any):
    body: dict[str, Any] = {"success": True, "message": message}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return jsonify(body)


def fail(message: str, status: int = 200):
    return jsonify({"success": False, "message": message}), status


def json_body() -> dict[str, Any]:
    """The request's JSON object; anything else (malformed, not an object) is a ServiceError."""
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ServiceError(INVALID)
    return data


def page_args() -> tuple[int, int]:
    """(offset, limit) from ``p`` (0-based) and ``size`` (default 10, capped at MAX_ITEMS_PER_PAGE)."""
    return page_bounds(request.args.get("p", 0), request.args.get("size", 10), config.settings.max_items_per_page)


def flag(name: str) -> bool:
    return request.args.get(name, "") not in ("", "0", "false")


def service_errors(view: Callable) -> Callable:
    """Turn a ServiceError raised by the services layer into the original's ``success: false`` answer."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ServiceError as exc:
            return fail(exc.message)

    return wrapper


def turnstile_checked(view: Callable) -> Callable:
    """When TurnstileCheckEnabled, the ``turnstile`` query token must pass (once per session)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from oneapi.services import turnstile
        if turnstile.required() and not session.get("turnstile"):
            try:
                turnstile.verify(request.args.get("turnstile", ""), request.remote_addr or "")
            except ServiceError as exc:
                return fail(exc.message)
            session["turnstile"] = True
        return view(*args, **kwargs)

    return wrapper
