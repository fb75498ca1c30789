"""Redis clients for the cache and the rate limiter.

redis-py's default pool holds at most 100 connections and raises ``MaxConnectionsError`` beyond that; under gevent a
single worker easily has more requests in flight, so clients wait for a free connection instead (a blocking pool),
bounded by the socket timeout.
"""
from __future__ import annotations

MAX_CONNECTIONS = 1000  # per process; Redis serves 10,000 clients by default


def client_from_url(url: str, *, socket_timeout: float, **kwargs):
    import redis
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=socket_timeout, socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout, **kwargs)
    return redis.Redis(connection_pool=pool)
