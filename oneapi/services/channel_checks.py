"""Channel tests and balance refreshes as the admin API starts them: one channel now, or all in the background.

The test itself (request, auto-disable, auto-enable) lives in ``channel_health``; this module adds the
original's API behaviour: the model name used, and at most one background run of each kind at a time.
"""
from __future__ import annotations

import logging
import threading

from oneapi.models import Channel

log = logging.getLogger(__name__)

_running: dict[str, bool] = {"test": False, "balance": False}
_lock = threading.Lock()


def test_one(channel: Channel, model: str | None = None) -> tuple[str, bool, str, float]:
    """(model used, success, reply text or error, seconds)."""
    from oneapi.services import channel_health
    model_name = channel_health._test_model(channel, model)  # the same choice the test makes
    success, message, seconds = channel_health.test_channel(channel, model_name)
    return model_name, success, message, seconds


def _start(kind: str, work) -> bool:
    with _lock:
        if _running[kind]:
            return False
        _running[kind] = True

    def run():
        from oneapi.db import close_request_connections
        try:
            work()
        except Exception:  # noqa: BLE001 - a background job must not die silently
            log.exception("background channel %s failed", kind)
        finally:
            close_request_connections()
            with _lock:
                _running[kind] = False

    threading.Thread(target=run, name=f"channel-{kind}", daemon=True).start()
    return True


def start_test_all(scope: str = "all") -> bool:
    """Test all (or only disabled) channels in the background; False when a run is already going."""
    from oneapi.services import channel_health
    return _start("test", lambda: channel_health.test_all_channels(scope))


def start_balance_all() -> bool:
    """Refresh the balance of every enabled channel in the background; False when already running."""
    from oneapi.services import channel_balance
    return _start("balance", channel_balance.update_all_balances)


def is_running(kind: str) -> bool:
    return _running.get(kind, False)
