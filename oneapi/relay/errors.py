"""Relay errors: one exception type, rendered as the original's OpenAI-style error body."""
from __future__ import annotations

import orjson
from flask import Response, g


class RelayError(Exception):
    """An error answered to the client with ``status`` and an OpenAI-style body."""

    def __init__(self, status: int, message: str, type_: str = "one_api_error", code: str | int | None = "",
                 param: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code if code is not None else ""
        self.param = param


def with_request_id(message: str) -> str:
    rid = getattr(g, "request_id", "")
    return f"{message} (request id: {rid})" if rid else message


def error_body(err: RelayError) -> dict:
    return {"error": {"message": with_request_id(err.message), "type": err.type, "param": err.param,
                      "code": err.code}}


def error_response(err: RelayError, client_format: str | None = None) -> Response:
    """The error as the client's format writes errors (OpenAI's shape unless the client speaks Claude)."""
    if client_format == "claude":
        from oneapi.relay.formats import claude
        anthropic_type = err.type if err.type and err.type.endswith("_error") else None
        body = claude.encode_error(err.status, with_request_id(err.message), anthropic_type)
    else:
        body = error_body(err)
    return Response(orjson.dumps(body), status=err.status, mimetype="application/json")


def not_implemented() -> Response:
    return error_response(RelayError(501, "API not implemented", "one_api_error", "api_not_implemented"))
