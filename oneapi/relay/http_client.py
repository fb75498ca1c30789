"""A lean HTTP/1.1 client for calls to providers: keep-alive sockets pooled per host, one write per request.

``requests`` spends about half a millisecond of CPU per call merging session settings and walking urllib3's
layers, which was the largest single cost of a relayed request. This client writes the request head and body in
one ``sendall`` and parses the answer with the buffered reader's C ``readline``. It serves direct http and https
connections; proxies and streamed request bodies stay with ``requests`` (``upstream.send`` decides).

Answers look like ``requests.Response`` where the relay reads them (``status_code``, ``headers``, ``content``,
``json()``, ``raw.read1(n, decode_content=True)``, ``close()``), and failures raise ``requests``' exceptions, so
callers catch one family either way.
"""
from __future__ import annotations

import os
import re
import socket
import ssl
import threading
import time
import zlib
from urllib.parse import urlsplit

import orjson
from requests import exceptions as rex
from requests.structures import CaseInsensitiveDict
from requests.utils import default_user_agent, requote_uri

try:  # a zero-timeout readiness probe must not yield to the gevent hub
    from gevent.monkey import get_original
    _select = get_original("select", "select")
except ImportError:  # pragma: no cover - gevent is a dependency
    from select import select as _select

MAX_IDLE_PER_HOST = 512
IDLE_SECONDS = 30.0       # providers close idle keep-alive connections after 60 s and more; drop ours first
MAX_HEADER_LINES = 200
MAX_LINE = 65536
_USER_AGENT = default_user_agent()
_PLAIN_TARGET = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*\Z")  # nothing to percent-encode


class SentRequest:
    """What was sent (adaptors read ``resp.request.headers``)."""
    __slots__ = ("method", "url", "headers")

    def __init__(self, method: str, url: str, headers: dict):
        self.method, self.url, self.headers = method, url, headers


class _Connection:
    __slots__ = ("sock", "rfile", "key", "idle_since")

    def __init__(self, sock, key):
        self.sock, self.key = sock, key
        self.rfile = sock.makefile("rb", buffering=65536)
        self.idle_since = 0.0

    def usable(self) -> bool:
        """Idle and silent: a readable idle socket means the server closed it (or sent garbage)."""
        if time.monotonic() - self.idle_since > IDLE_SECONDS:
            return False
        try:
            if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
                return False
            readable, _, _ = _select([self.sock.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close(self) -> None:
        for closer in (self.rfile.close, self.sock.close):
            try:
                closer()
            except OSError:
                pass


class _Pool:
    """Idle connections per (scheme, host, port), most recently used first; one pool per process."""

    def __init__(self):
        self.idle: dict[tuple, list[_Connection]] = {}
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self._tls: ssl.SSLContext | None = None

    def checkout(self, key: tuple) -> _Connection | None:
        with self.lock:
            conns = self.idle.get(key)
            while conns:
                conn = conns.pop()
                if conn.usable():
                    return conn
                conn.close()
        return None

    def checkin(self, conn: _Connection) -> None:
        conn.idle_since = time.monotonic()
        with self.lock:
            conns = self.idle.setdefault(conn.key, [])
            if len(conns) < MAX_IDLE_PER_HOST:
                conns.append(conn)
                return
        conn.close()

    def connect(self, key: tuple, connect_timeout: float) -> _Connection:
        scheme, host, port = key
        try:
            sock = socket.create_connection((host, port), timeout=connect_timeout)
        except socket.timeout as exc:
            raise rex.ConnectTimeout(f"connecting to {host}:{port} timed out") from exc
        except OSError as exc:
            raise rex.ConnectionError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == "https":
            try:
                sock = self.tls().wrap_socket(sock, server_hostname=host)
            except ssl.SSLError as exc:
                sock.close()
                raise rex.SSLError(f"TLS with {host}:{port} failed: {exc.reason or exc}") from exc
            except socket.timeout as exc:
                sock.close()
                raise rex.ConnectTimeout(f"TLS handshake with {host}:{port} timed out") from exc
            except OSError as exc:
                sock.close()
                raise rex.ConnectionError(f"TLS with {host}:{port} failed: {exc}") from exc
        return _Connection(sock, key)

    def tls(self) -> ssl.SSLContext:
        if self._tls is None:
            import certifi  # the CA bundle requests uses, so both paths trust the same roots
            context = ssl.create_default_context(cafile=certifi.where())
            context.set_alpn_protocols(["http/1.1"])
            self._tls = context
        return self._tls

    def clear(self) -> None:
        with self.lock:
            conns = [c for group in self.idle.values() for c in group]
            self.idle.clear()
        for conn in conns:
            conn.close()


_pool: _Pool | None = None


def pool() -> _Pool:
    global _pool
    if _pool is None or _pool.pid != os.getpid():  # never share sockets across a fork
        _pool = _Pool()
    return _pool


def reset() -> None:
    global _pool
    if _pool is not None and _pool.pid == os.getpid():
        _pool.clear()
    _pool = None


# ---- one exchange ---------------------------------------------------------------------------------------

def _target(url: str) -> tuple[tuple, str, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise rex.InvalidURL(f"unsupported upstream URL scheme or host: {scheme or '(none)'}")
    default_port = 443 if scheme == "https" else 80
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise rex.InvalidURL("invalid port in the upstream URL") from exc
    host = parts.hostname
    host_header = host if ":" not in host else f"[{host}]"
    if port != default_port:
        host_header = f"{host_header}:{port}"
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    if not _PLAIN_TARGET.match(path):  # spaces, non-ASCII: percent-encoded as requests would
        path = requote_uri(path)
    return (scheme, host, port), path, host_header


def _head(method: str, path: str, host_header: str, headers: dict, body_len: int | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1\r\nHost: {host_header}\r\n"]
    seen = set()
    for name, value in headers.items():
        if value is None:
            continue
        value = value if isinstance(value, str) else str(value)
        lower = name.lower()
        if lower in ("host", "content-length", "transfer-encoding", "connection"):
            continue
        if "\n" in value or "\r" in value or "\n" in name or "\r" in name or ":" in name:
            raise rex.InvalidHeader(f"invalid header {name!r}: line breaks are not allowed")
        seen.add(lower)
        lines.append(f"{name}: {value}\r\n")
    if "user-agent" not in seen:
        lines.append(f"User-Agent: {_USER_AGENT}\r\n")
    if "accept" not in seen:
        lines.append("Accept: */*\r\n")
    if body_len is not None:
        lines.append(f"Content-Length: {body_len}\r\n")
    lines.append("\r\n")
    text = "".join(lines)
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def request(method: str, url: str, *, headers: dict, data: bytes | str | None = None, stream: bool = False,
            timeout: tuple[float, float | None] = (30.0, None)) -> "Response":
    key, path, host_header = _target(url)
    body = data.encode("utf-8") if isinstance(data, str) else (data or b"")
    needs_length = bool(body) or method not in ("GET", "HEAD", "DELETE", "OPTIONS")
    payload = _head(method, path, host_header, headers, len(body) if needs_length else None) + body
    connect_timeout, read_timeout = timeout
    the_pool = pool()
    for attempt in (0, 1):
        conn = the_pool.checkout(key) if attempt == 0 else None
        reused = conn is not None
        if conn is None:
            conn = the_pool.connect(key, connect_timeout)
        try:
            conn.sock.settimeout(read_timeout)
            conn.sock.sendall(payload)
            status, reason, version = _read_status(conn.rfile)
            while 100 <= status < 200 and status != 101:  # interim answers (100 Continue, 103 Early Hints)
                _read_headers(conn.rfile)
                status, reason, version = _read_status(conn.rfile)
            header_pairs = _read_headers(conn.rfile)
        except _ClosedBeforeAnswer as exc:
            conn.close()
            if reused:  # the server dropped an idle connection as we used it: nothing was processed
                continue
            raise rex.ConnectionError(f"{key[1]}:{key[2]} closed the connection without answering") from exc
        except socket.timeout as exc:
            conn.close()
            raise rex.ReadTimeout(f"{key[1]}:{key[2]} did not answer in {read_timeout} s") from exc
        except (ConnectionResetError, BrokenPipeError) as exc:
            conn.close()
            if reused:
                continue
            raise rex.ConnectionError(f"{key[1]}:{key[2]} reset the connection") from exc
        except _BadAnswer as exc:
            conn.close()
            raise rex.ConnectionError(f"{key[1]}:{key[2]} sent a malformed answer: {exc}") from exc
        except OSError as exc:
            conn.close()
            raise rex.ConnectionError(f"talking to {key[1]}:{key[2]} failed: {exc.strerror or exc}") from exc
        sent = SentRequest(method, url, headers)
        resp = Response(conn, status, reason, version, header_pairs, method, url, sent)
        if not stream:
            resp.content  # noqa: B018 - read it all now and give the connection back
        return resp
    raise AssertionError("unreachable")


class _ClosedBeforeAnswer(Exception):
    pass


class _BadAnswer(Exception):
    pass


def _read_status(rfile) -> tuple[int, str, str]:
    line = rfile.readline(MAX_LINE)
    if not line:
        raise _ClosedBeforeAnswer()
    parts = line.rstrip(b"\r\n").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise _BadAnswer(f"status line {line[:80]!r}")
    reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
    return int(parts[1]), reason, parts[0].decode("latin-1")


def _read_headers(rfile) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for _ in range(MAX_HEADER_LINES):
        line = rfile.readline(MAX_LINE)
        if line in (b"\r\n", b"\n"):
            return pairs
        if not line:
            raise _BadAnswer("the connection closed inside the headers")
        if line[:1] in (b" ", b"\t") and pairs:  # obsolete line folding
            name, value = pairs[-1]
            pairs[-1] = (name, f"{value} {line.strip().decode('latin-1')}")
            continue
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise _BadAnswer(f"header line {line[:80]!r}")
        pairs.append((name.strip(), value.strip()))
    raise _BadAnswer("too many header lines")


# ---- the answer -----------------------------------------------------------------------------------------

class Response:
    """The parts of ``requests.Response`` the relay and the adaptors use."""

    def __init__(self, conn: _Connection, status: int, reason: str, version: str, header_pairs, method: str,
                 url: str, sent: SentRequest):
        self.status_code, self.reason, self.url, self.request = status, reason, url, sent
        headers = CaseInsensitiveDict()
        for name, value in header_pairs:
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        self.headers = headers
        self.encoding = "utf-8"
        self.raw = Body(conn, headers, status, method, version)
        self._content: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def content(self) -> bytes:
        if self._content is None:
            try:
                self._content = self.raw.read()
            except socket.timeout as exc:
                self.raw.close()
                raise rex.ReadTimeout("the upstream stopped sending its answer") from exc
            except OSError as exc:
                self.raw.close()
                raise rex.ChunkedEncodingError(f"the answer was cut: {exc}") from exc
        return self._content

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding or "utf-8", "replace")

    def json(self, **_ignored):
        return orjson.loads(self.content)

    def iter_content(self, chunk_size: int = 65536):
        while True:
            chunk = self.raw.read1(chunk_size)
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class IncompleteBody(OSError):
    """The connection ended before the body its headers announced."""


class Body:
    """The answer's body, de-chunked and decompressed; the connection returns to the pool once it is all read."""

    def __init__(self, conn: _Connection, headers, status: int, method: str, version: str):
        self.connection = conn  # streaming.py shuts ``connection.sock`` down to wake a blocked reader
        self._rfile = conn.rfile
        self._chunked = False
        self._left: int | None = None  # bytes left: in the body (Content-Length) or in the current chunk
        self._need_crlf = False
        self._done = False
        connection = (headers.get("Connection") or "").lower()
        self._reusable = "close" not in connection and (version != "HTTP/1.0" or "keep-alive" in connection)
        if method == "HEAD" or status in (204, 304):
            self._left = 0
        elif "chunked" in (headers.get("Transfer-Encoding") or "").lower():
            self._chunked, self._left = True, 0
        elif (length := headers.get("Content-Length")) is not None:
            try:
                self._left = int(length.split(",")[0])
            except ValueError:
                self._left, self._reusable = None, False
        else:  # delimited by the server closing the connection
            self._reusable = False
        encoding = (headers.get("Content-Encoding") or "").lower()
        self._decoder = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding in ("gzip", "deflate", "x-gzip") \
            else None
        if self._left == 0 and not self._chunked:
            self._finish()

    def read1(self, size: int = 65536, decode_content: bool = True) -> bytes:  # noqa: ARG002
        """Some bytes as soon as any arrive (b"" at the end)."""
        while not self._done:
            data = self._read_some(size)
            if self._decoder is not None:
                data = self._decoder.decompress(data) + (self._decoder.flush() if self._done else b"")
            if data:
                return data
        return b""

    def read(self, size: int | None = None, decode_content: bool = True) -> bytes:  # noqa: ARG002
        parts, total = [], 0
        while size is None or size < 0 or total < size:
            data = self.read1(65536 if size is None or size < 0 else min(65536, size - total))
            if not data:
                break
            parts.append(data)
            total += len(data)
        return b"".join(parts)

    def _read_some(self, size: int) -> bytes:
        if self._chunked:
            return self._read_chunk(size)
        if self._left is None:  # until the server closes
            data = self._rfile.read1(size)
            if not data:
                self._finish()
            return data
        data = self._rfile.read1(min(size, self._left))
        if not data:
            self.close()
            raise IncompleteBody(f"the connection closed with {self._left} bytes of the body unread")
        self._left -= len(data)
        if self._left == 0:
            self._finish()
        return data

    def _read_chunk(self, size: int) -> bytes:
        rfile = self._rfile
        if self._left == 0:
            if self._need_crlf:
                rfile.readline(MAX_LINE)
                self._need_crlf = False
            line = rfile.readline(MAX_LINE)
            if not line:
                self.close()
                raise IncompleteBody("the connection closed inside a chunked body")
            try:
                self._left = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.close()
                raise IncompleteBody(f"bad chunk size line {line[:40]!r}") from None
            if self._left == 0:
                while rfile.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                self._finish()
                return b""
        data = rfile.read1(min(size, self._left))
        if not data:
            self.close()
            raise IncompleteBody("the connection closed inside a chunk")
        self._left -= len(data)
        self._need_crlf = self._left == 0
        return data

    def _finish(self) -> None:
        self._done = True
        conn, self.connection = self.connection, None
        if conn is None:
            return
        if self._reusable:
            pool().checkin(conn)
        else:
            conn.close()

    def close(self) -> None:
        """Stop reading; a connection with unread body bytes cannot carry another request."""
        self._done = True
        conn, self.connection = self.connection, None
        if conn is not None:
            conn.close()

    @property
    def _connection(self):
        return self.connection
