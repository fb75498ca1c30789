"""Error vocabularies shared by the codecs (status code <-> error type names)."""

from __future__ import annotations

import json

from . import ir

OPENAI_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 413: "invalid_request_error", 429: "rate_limit_error",
}

ANTHROPIC_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
    403: "permission_error", 404: "not_found_error", 413: "request_too_large",
    429: "rate_limit_error", 500: "api_error", 504: "timeout_error", 529: "overloaded_error",
}

GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL",
    501: "UNIMPLEMENTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}


def openai_type(status: int) -> str:
    return OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")


def anthropic_type(status: int) -> str:
    return ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def google_status(status: int) -> str:
    return GOOGLE_STATUS.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")


def openai_body(status: int, message: str, type: str | None = None, code: str | None = None) -> dict:
    """The error body both OpenAI formats use."""
    return {"error": {"message": message, "type": type or openai_type(status), "param": None, "code": code}}


def decode_any(status: int, body: bytes) -> ir.Error:
    """Read an error body of any of the four formats (they nest it under "error")."""
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body)
    try:
        data = json.loads(text)
    except ValueError:
        return ir.Error(status=status, message=text.strip() or f"upstream status {status}")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]  # Gemini sometimes wraps the error in a list
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, str):
        return ir.Error(status=status, message=err, type=data.get("type"))
    if not isinstance(err, dict):
        msg = data.get("message") if isinstance(data, dict) else None
        return ir.Error(status=status, message=msg or text.strip())
    code, param = err.get("code"), err.get("param")
    return ir.Error(
        status=status,
        message=str(err.get("message") or text.strip()),
        type=err.get("type") or err.get("status"),
        code=None if code is None else str(code),
        param=param if isinstance(param, str) else None,
    )
