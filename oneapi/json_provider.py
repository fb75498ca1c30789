"""Flask's JSON provider with one change: a body nested too deeply to parse is a parse error (ValueError, so
``request.get_json(silent=True)`` answers None) instead of a RecursionError that would surface as a 500."""
from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
