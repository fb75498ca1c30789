"""Periodic background jobs (options sync, cache refresh, channel tests, retention), one loop per job."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)

_stop = threading.Event()


def every(seconds: float, job: Callable[[], None], name: str, initial_delay: float | None = None) -> None:
    """Run ``job`` every ``seconds`` in the background until ``stop_all``; errors are logged, not raised."""
    if seconds <= 0:
        return

    def loop() -> None:
        if _stop.wait(seconds if initial_delay is None else initial_delay):
            return
        while True:
            started = time.monotonic()
            try:
                job()
            except Exception:  # a failing job must not kill the loop
                log.exception("background job %s failed", name)
            finally:
                _release_db_connections()
            if _stop.wait(max(0.0, seconds - (time.monotonic() - started))):
                return

    # Under gevent's monkey patching this thread is a greenlet, which is what we want.
    threading.Thread(target=loop, name=f"job:{name}", daemon=True).start()


def on_demand(wake: threading.Event, job: Callable[[], None], name: str, min_spacing: float = 0.0) -> None:
    """Run ``job`` each time ``wake`` is set, at most once per ``min_spacing`` seconds, until ``stop_all``.

    What is signalled while a run is in progress is picked up by the next run, so under load one run serves
    many signals (group commit) and when idle a signal is served at once."""

    def loop() -> None:
        last = 0.0
        while not _stop.is_set():
            if not wake.wait(1.0):
                continue
            pause = last + min_spacing - time.monotonic()
            if pause > 0 and _stop.wait(pause):
                return
            wake.clear()
            last = time.monotonic()
            try:
                job()
            except Exception:
                log.exception("background job %s failed", name)
            finally:
                _release_db_connections()

    threading.Thread(target=loop, name=f"job:{name}", daemon=True).start()


def stopping() -> bool:
    return _stop.is_set()


def stop_all() -> None:
    _stop.set()


def _release_db_connections() -> None:
    from oneapi.db import close_request_connections
    close_request_connections()
