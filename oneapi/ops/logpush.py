"""Push error-level log lines to an alert endpoint (LOG_PUSH_API, LOG_PUSH_TYPE, LOG_PUSH_TOKEN), at most 1/s.

The wire format is the fork's alert pusher: a GraphQL mutation
``TelegramMonitorAlert(type: $type, token: $token, msg: $msg)`` POSTed as JSON. Lines that arrive while a
push is pending are joined into the next push, so nothing is dropped unless more than ``_QUEUE_MAX`` lines
pile up. Sending happens in a background greenlet/thread: logging never waits for the network.
"""
from __future__ import annotations

import logging
import queue
import socket
import threading
import time

log = logging.getLogger(__name__)

MUTATION = ("mutation($msg:String!$token:String!$type:String!)"
            "{TelegramMonitorAlert(type: $type, token: $token, msg: $msg){name}}")
_QUEUE_MAX = 1000
_MAX_MESSAGE = 3000  # the alert service truncates longer messages anyway


class LogPushHandler(logging.Handler):
    def __init__(self, api: str, push_type: str, token: str, min_interval: float = 1.0) -> None:
        super().__init__(level=logging.ERROR)
        self.api, self.push_type, self.token = api, push_type, token
        self.min_interval = min_interval
        self.host = socket.gethostname()
        self._queue: queue.Queue[str] = queue.Queue(maxsize=_QUEUE_MAX)
        self._dropped = 0
        self._stopping = threading.Event()
        self._sender = threading.Thread(target=self._run, name="log-push", daemon=True)
        self._sender.start()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(__name__) or record.name.startswith("urllib3"):
            return  # never push our own delivery failures (loops)
        try:
            self._queue.put_nowait(f"[{self.host}] {self.format(record)}")
        except queue.Full:
            self._dropped += 1
        except Exception:  # noqa: BLE001 - logging must not raise
            self.handleError(record)

    def _take_batch(self, first: str) -> str:
        lines = [first]
        while True:
            try:
                lines.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if self._dropped:
            lines.append(f"({self._dropped} more error line(s) dropped)")
            self._dropped = 0
        text = "\n".join(lines)
        return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + " ..."

    def _run(self) -> None:
        last_sent = 0.0
        while True:
            try:
                first = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self._stopping.is_set():
                    return
                continue
            wait = last_sent + self.min_interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # lines arriving meanwhile join this push
            self.send(self._take_batch(first))
            last_sent = time.monotonic()

    def send(self, message: str) -> None:
        import requests
        body = {"query": MUTATION, "variables": {"type": self.push_type, "token": self.token, "msg": message}}
        try:
            resp = requests.post(self.api, json=body, timeout=10)
            if resp.status_code >= 400:
                log.warning("log push: alert endpoint answered HTTP %s", resp.status_code)
        except Exception as exc:  # noqa: BLE001
            log.warning("log push: delivery failed (%s)", type(exc).__name__)

    def flush_and_stop(self, timeout: float = 3.0) -> None:
        self._stopping.set()
        self._sender.join(timeout)


_handler: LogPushHandler | None = None


def install(api: str, push_type: str, token: str) -> LogPushHandler | None:
    """Attach the handler to the root logger once per process (``LOG_PUSH_API`` empty: nothing)."""
    global _handler
    if not api:
        return None
    if _handler is None:
        _handler = LogPushHandler(api, push_type, token)
        _handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(_handler)
        from oneapi import lifecycle
        lifecycle.on_shutdown(_handler.flush_and_stop)
    return _handler


def uninstall() -> None:
    """Detach the handler (tests)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.flush_and_stop(0.5)
        _handler = None
