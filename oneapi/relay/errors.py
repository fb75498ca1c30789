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


def error_response(err: RelayError) -> Response:
    return Response(orjson.dumps(error_body(err)), status=err.status, mimetype="application/json")


def not_implemented() -> Response:
    return error_response(RelayError(501, "API not implemented", "one_api_error", "api_not_implemented"))
