"""Outgoing HTTP to providers.

Direct calls go through ``http_client`` (pooled keep-alive sockets, a fraction of ``requests``' CPU per call).
With RELAY_PROXY set, or a body that is not in memory, one pooled ``requests.Session`` per worker process serves
instead: ``trust_env`` is off (proxy settings come from RELAY_PROXY only, and reading the environment per call is
slow) and its pool keeps up to 512 keep-alive connections per upstream host.
"""
from __future__ import annotations

import os
import threading

import requests
from requests.adapters import HTTPAdapter

from oneapi import config
from oneapi.relay import http_client

POOL_SIZE = 512
_session: requests.Session | None = None
_session_pid = 0
_lock = threading.Lock()


def session() -> requests.Session:
    global _session, _session_pid
    if _session is None or _session_pid != os.getpid():
        with _lock:
            if _session is None or _session_pid != os.getpid():
                s = requests.Session()
                s.trust_env = False
                adapter = HTTPAdapter(pool_connections=64, pool_maxsize=POOL_SIZE, max_retries=0)
                s.mount("http://", adapter)
                s.mount("https://", adapter)
                proxy = config.settings.relay_proxy
                if proxy:
                    s.proxies = {"http": proxy, "https": proxy}
                _session, _session_pid = s, os.getpid()
    return _session


def timeout() -> tuple[float, float | None]:
    """(connect, read) timeouts: RELAY_TIMEOUT seconds, or no read limit when it is 0."""
    relay = config.settings.relay_timeout
    return (min(relay, 30) if relay else 30.0, float(relay) if relay else None)


def send(method: str, url: str, *, headers: dict, data=None, stream: bool = False):
    """The answer as a ``requests.Response`` or an ``http_client.Response`` (same attributes, same exceptions)."""
    if not config.settings.relay_proxy and (data is None or isinstance(data, (bytes, str))):
        return http_client.request(method, url, headers=headers, data=data, stream=stream, timeout=timeout())
    return session().request(method, url, headers=headers, data=data, stream=stream, timeout=timeout(),
                             allow_redirects=False)


def reset() -> None:
    """Drop the pooled connections (tests that change RELAY_PROXY)."""
    global _session
    _session = None
    http_client.reset()
