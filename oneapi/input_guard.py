"""Refuses text no database column can hold: NUL characters (PostgreSQL text cannot store them) and lone UTF-16
surrogates from JSON escapes such as ``"\\ud800"`` (not encodable as UTF-8 on any dialect). Letting either through
turned into a 500 when the value reached SQL. Checked in the path, the query string, and the bodies of the
management API and the web pages; relay bodies are content for the upstream and pass untouched (their JSON
parser already refuses lone surrogates).
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, jsonify, request

MESSAGE = "无效的参数：不能包含 NUL 字符或无效的 Unicode 字符"
_SUSPECT = re.compile(rb"\x00|\\u0000|\\u[dD][89a-fA-F]")  # NUL, escaped NUL, escaped surrogate (maybe paired)
_RELAY_PREFIXES = ("/v1", "/v1beta", "/openai", "/dashboard")


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _has_bad_text(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return _bad_text(value)
    if depth > 200:  # deeper than any real form or API body; the parser already bounds it
        return False
    if isinstance(value, dict):
        return any(_has_bad_text(k) or _has_bad_text(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_bad_text(v, depth + 1) for v in value)
    return False


def _body_has_bad_text() -> bool:
    raw = request.get_data(cache=True)
    if not _SUSPECT.search(raw):
        return False
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return any(_bad_text(k) or _bad_text(v) for k, v in request.form.items(multi=True))
    return _has_bad_text(request.get_json(force=True, silent=True))


def _refuse():
    if request.path.startswith("/api"):  # an invalid parameter, answered as the API answers all of them
        return jsonify({"success": False, "message": MESSAGE})
    abort(400, description=MESSAGE)  # relay paths get it in the client's format, pages as a plain 400


def _check():
    if "\x00" in request.path or (request.query_string and any(
            "\x00" in k or "\x00" in v for k, v in request.args.items(multi=True))):
        return _refuse()
    if request.path.startswith(_RELAY_PREFIXES):
        return None
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and _body_has_bad_text():
        return _refuse()
    return None


def install(app: Flask) -> None:
    app.before_request(_check)
