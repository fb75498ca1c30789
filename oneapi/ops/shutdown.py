"""Graceful shutdown: know how many requests (streams included) are still being served, and wait for them.

gunicorn's gevent worker already stops accepting on SIGTERM and waits up to ``graceful_timeout``
(= SHUTDOWN_TIMEOUT) for its connections; ``python app.py`` uses :func:`drain` to do the same. Both then run
``oneapi.lifecycle.shutdown()`` (flush batched quota, close pools).
"""
from __future__ import annotations

import logging
import time

from flask import Flask

log = logging.getLogger(__name__)


class _Counted:
    """A response body that counts its request out when the server closes it (sent or abandoned)."""

    __slots__ = ("_body", "_done")

    def __init__(self, body, done) -> None:
        self._body, self._done = body, done

    def __iter__(self):
        return iter(self._body)  # the server iterates the body itself: no call per chunk here

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


class InFlight:
    """WSGI middleware counting requests from the call until their body has been sent (or abandoned)."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self.count = 0

    def _done(self) -> None:
        self.count -= 1

    def __call__(self, environ, start_response):
        self.count += 1
        try:
            body = self.wsgi_app(environ, start_response)
        except BaseException:
            self.count -= 1
            raise
        return _Counted(body, self._done)


def install(app: Flask) -> InFlight:
    counter = InFlight(app.wsgi_app)
    app.wsgi_app = counter
    app.extensions["oneapi.in_flight"] = counter
    return counter


def in_flight(app: Flask) -> int:
    counter = app.extensions.get("oneapi.in_flight")
    return counter.count if counter is not None else 0


def drain(app: Flask, timeout: float, poll: float = 0.1) -> bool:
    """Wait until no request is in flight or ``timeout`` seconds pass; True when everything finished."""
    deadline = time.monotonic() + max(0.0, timeout)
    announced = False
    while in_flight(app) > 0:
        if time.monotonic() >= deadline:
            log.warning("shutdown timeout: %d request(s) still in flight are cut", in_flight(app))
            return False
        if not announced:
            log.info("waiting up to %.0fs for %d in-flight request(s)", timeout, in_flight(app))
            announced = True
        time.sleep(poll)  # cooperative under gevent's monkey patching
    return True
