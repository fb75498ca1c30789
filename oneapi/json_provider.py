"""Flask's JSON provider, strict where Python's json module is lenient and Go's encoding/json (the original's) is
not: ``NaN``/``Infinity`` literals and numbers too large for a double (``1e999``) are parse errors, and so is a
body nested too deeply to parse (a RecursionError otherwise). Each used to reach the handlers as a value that
later crashed them (a 500); now ``request.get_json(silent=True)`` answers None and the route's usual
"invalid body" answer follows."""
from __future__ import annotations

import math
from typing import Any

from flask.json.provider import DefaultJSONProvider


def _reject_constant(name: str) -> float:
    raise ValueError(f"invalid JSON number {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"JSON number out of range: {text[:40]}")
    return value


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _reject_constant)
        kwargs.setdefault("parse_float", _finite_float)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
