"""Polling for a condition that becomes true in the background (a server recovering, a row being written)."""
from __future__ import annotations

import time


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:
    """True as soon as ``predicate()`` is, False if it never was within ``timeout`` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
