"""Short-lived upstream tokens obtained by trading a channel secret, kept per secret until shortly before expiry."""
from __future__ import annotations

import hashlib
import threading
import time
from typing import Callable


class ExpiringTokens:
    """Tokens keyed by a digest of the secret (never the secret itself); a token within ``refresh_margin``
    seconds of its expiry is fetched again. Concurrent misses for one secret fetch once."""

    def __init__(self, refresh_margin: float) -> None:
        self.refresh_margin = refresh_margin
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _fresh(self, cache_key: str) -> str | None:
        cached = self._tokens.get(cache_key)
        if cached and cached[1] - self.refresh_margin > time.time():
            return cached[0]
        return None

    def get(self, secret: str, fetch: Callable[[], tuple[str, float]]) -> str:
        """The cached token for ``secret``, or the one ``fetch()`` returns as (token, expiry Unix time)."""
        cache_key = hashlib.sha256(secret.encode()).hexdigest()
        token = self._fresh(cache_key)
        if token:
            return token
        with self._lock:
            token = self._fresh(cache_key)
            if token:
                return token
            token, expires = fetch()
            self._tokens[cache_key] = (token, expires)
            return token

    def clear(self) -> None:
        self._tokens.clear()
