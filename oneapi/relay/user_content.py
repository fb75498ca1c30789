"""Fetching user-supplied URLs (images in prompts) without letting a prompt reach the gateway's own network.

A URL a client puts in a prompt is fetched by the gateway only for providers that cannot fetch it themselves
(Gemini takes images inline). Every hop is checked before anything is sent:

- only ``http``/``https``; ``data:`` URLs are decoded without any network;
- the host is resolved here and every address must be public: loopback, private, link-local (with the cloud
  metadata address), CGNAT, multicast, unspecified, reserved and documentation ranges are refused, for IPv4 and
  IPv6, also behind IPv4-mapped/NAT64/6to4 IPv6 forms and numeric spellings (``2130706433``, ``0x7f.1``,
  ``0177.0.0.1``) which are read as browsers read them;
- the connection goes to the vetted address (the Host header and TLS SNI/certificate name stay the URL's), so
  a DNS answer that changes between the check and the connect cannot redirect the fetch;
- at most ``MAX_REDIRECTS`` redirects, each one vetted like the first URL;
- ``USER_CONTENT_REQUEST_TIMEOUT`` bounds the whole fetch (a watchdog shuts the socket at the deadline, so a
  server dripping bytes cannot stretch it) and ``MAX_INLINE_IMAGE_SIZE_MB`` the body (``Content-Length`` is
  honoured and the stream stops as soon as it is exceeded);
- only images are accepted: magic bytes decide, the Content-Type header is believed only when the bytes are
  not recognisable and do not look like markup.

With ``USER_CONTENT_REQUEST_PROXY`` set, the proxy resolves names; a literal IP host is still vetted here.

Tests widen the address rules with ``FetchPolicy(allowed_networks=...)`` or the module attribute
``ALLOWED_NETWORKS``; neither is reachable from the environment on purpose.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import socket
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable, Iterable
from urllib.parse import unquote, unquote_to_bytes, urljoin, urlsplit

import certifi
from urllib3 import exceptions as urllib3_exceptions
from urllib3.connection import HTTPConnection, HTTPSConnection

from oneapi import config
from oneapi.relay.errors import RelayError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Iterable[str]]

MAX_REDIRECTS = 3
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
READ_CHUNK = 64 * 1024
DEFAULT_TIMEOUT = 30
DEFAULT_MAX_MB = 30

# Networks the address rules let through anyway. Empty in production; tests put 127.0.0.0/8 here.
ALLOWED_NETWORKS: tuple[IPNetwork, ...] = ()


class UserContentError(RelayError):
    """A user-supplied URL that cannot or must not be fetched: the client's request is at fault (400)."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message, "invalid_request_error", "invalid_image_url")


# ---- address rules ------------------------------------------------------------------------------------------

def _nets(*pairs: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(net), why) for net, why in pairs)


FORBIDDEN_V4 = _nets(
    ("0.0.0.0/8", "unspecified"), ("10.0.0.0/8", "private"), ("100.64.0.0/10", "carrier-grade NAT"),
    ("127.0.0.0/8", "loopback"), ("169.254.169.254/32", "cloud metadata"),
    ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"), ("192.0.2.0/24", "reserved"), ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"), ("198.18.0.0/15", "reserved"), ("198.51.100.0/24", "reserved"),
    ("203.0.113.0/24", "reserved"), ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"),
)
FORBIDDEN_V6 = _nets(
    ("::/128", "unspecified"), ("::1/128", "loopback"), ("::/96", "reserved"),  # IPv4-compatible (deprecated)
    ("64:ff9b:1::/48", "private"), ("100::/64", "reserved"), ("2001::/23", "reserved"),
    ("2001:db8::/32", "reserved"), ("3fff::/20", "reserved"), ("5f00::/16", "reserved"),
    ("fc00::/7", "private"), ("fe80::/10", "link-local"), ("fec0::/10", "private"), ("ff00::/8", "multicast"),
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in SIX_TO_FOUR:
        return ip.sixtofour
    return None


def forbidden_reason(ip: IPAddress, allowed: Iterable[IPNetwork] = ()) -> str | None:
    """Why the gateway must not connect to ``ip`` (None when it may)."""
    allowed = tuple(allowed) + ALLOWED_NETWORKS
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(ip.compressed.split("%")[0]) if ip.scope_id else ip
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            if any(ip in net for net in allowed if net.version == 6):
                return None
            return forbidden_reason(embedded, allowed)
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    for net, why in FORBIDDEN_V4 if ip.version == 4 else FORBIDDEN_V6:
        if ip in net:
            return why
    return None if ip.is_global else "reserved"  # whatever else Python's tables know about


_NUMERIC_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")


def _ipv4_number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part, 10)


def parse_ipv4_host(host: str) -> ipaddress.IPv4Address | None:
    """A host read as browsers (WHATWG URL) and ``inet_aton`` read it: ``127.1``, ``2130706433``, ``0x7f.0.0.1``,
    ``0177.0.0.1`` are all 127.0.0.1. None when the host is a name; UserContentError when it ends in a number
    but is no valid address (``1.2.3.999``)."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not _NUMERIC_PART.match(parts[-1]):
        return None
    try:
        if len(parts) > 4 or not all(_NUMERIC_PART.match(p) for p in parts):
            raise ValueError(host)
        numbers = [_ipv4_number(p) for p in parts]
    except ValueError:
        raise UserContentError(f"image URL host {host!r} is not a valid address") from None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise UserContentError(f"image URL host {host!r} is not a valid address")
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def system_resolver(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


# ---- policy and URL parsing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = DEFAULT_TIMEOUT           # seconds for the whole fetch, redirects included
    max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024
    proxy: str = ""                            # http://host:port; the proxy then resolves names
    max_redirects: int = MAX_REDIRECTS
    allowed_networks: tuple[IPNetwork, ...] = ()  # exceptions to the address rules (tests only)
    resolver: Resolver = system_resolver
    ca_certs: str | None = None                # CA bundle for https (certifi's by default)
    user_agent: str = "one-api-python (user content fetch)"


def policy_from_settings(**overrides) -> FetchPolicy:
    s = config.settings
    timeout = s.user_content_request_timeout if s.user_content_request_timeout > 0 else DEFAULT_TIMEOUT
    max_mb = s.max_inline_image_size_mb if s.max_inline_image_size_mb > 0 else DEFAULT_MAX_MB
    policy = FetchPolicy(timeout=timeout, max_bytes=max_mb * 1024 * 1024, proxy=s.user_content_request_proxy)
    return replace(policy, **overrides) if overrides else policy


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str                  # normalised: dotted IPv4, IPv6 text, or an ASCII (IDNA) name
    ip: IPAddress | None       # when the host is a literal address
    port: int
    path: str                  # path and query, never empty

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host_header}{self.path}"


_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$")


def parse_target(url: str) -> _Target:
    if any(ord(c) <= 0x20 or c == "\\" for c in url):
        raise UserContentError("image URL contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a bracketed host that is no IPv6 address
        raise UserContentError("image URL is malformed") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UserContentError(f"image URL scheme {scheme or '(none)'!r} is not allowed: use http, https or data")
    if "@" in parts.netloc:
        raise UserContentError("image URLs with credentials are not fetched")
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise UserContentError("image URL has an invalid port") from None
    if not host:
        raise UserContentError("image URL has no host")
    ip: IPAddress | None = None
    if ":" in host or parts.netloc.startswith("["):
        try:
            ip = ipaddress.IPv6Address(host)
        except ValueError:
            raise UserContentError(f"image URL host {host!r} is not a valid address") from None
        host = ip.compressed
    else:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise UserContentError(f"image URL host {host!r} is not a valid name") from None
        ip = parse_ipv4_host(host)
        if ip is not None:
            host = str(ip)
        elif not _NAME.match(host):
            raise UserContentError(f"image URL host {host!r} is not a valid name")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(scheme, host, ip, port, path)


def _resolve(target: _Target, policy: FetchPolicy, deadline: _Deadline) -> list[IPAddress]:
    """The resolver's answer, within what is left of the time limit (getaddrinfo itself has no timeout)."""
    outcome: dict = {}

    def ask() -> None:
        try:
            outcome["answer"] = [ipaddress.ip_address(a) for a in policy.resolver(target.host, target.port)]
        except Exception as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=ask, daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        raise deadline.error()
    if not outcome.get("answer"):
        raise UserContentError(f"image URL host {target.host} could not be resolved")
    return outcome["answer"]


def _vet(target: _Target, policy: FetchPolicy, deadline: _Deadline) -> IPAddress | None:
    """The address to connect to (None when a proxy resolves the name); refuses forbidden ones."""
    if target.ip is not None:
        addresses = [target.ip]
    elif policy.proxy:
        return None
    else:
        addresses = _resolve(target, policy, deadline)
    for address in addresses:  # every answer must be public: a mixed answer is a rebinding attempt
        why = forbidden_reason(address, policy.allowed_networks)
        if why:
            raise UserContentError(f"image URL host {target.host} is refused: it points to a {why} address")
    return addresses[0]


# ---- the transfer ----------------------------------------------------------------------------------------------

class _Deadline:
    """The whole fetch's time limit; when it passes, the open socket is shut so no read can wait any longer."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._conn = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            self.expired = True
            raise self.error()
        return left

    def watch(self, conn) -> None:
        self._conn = conn

    def error(self) -> UserContentError:
        return UserContentError(f"image URL fetch timed out after {self.seconds:g}s")

    def _expire(self) -> None:
        self.expired = True
        sock = getattr(self._conn, "sock", None)
        if sock is None:
            return
        try:  # the plain socket's shutdown: wakes a blocked reader, also under TLS and under gevent
            socket.socket.shutdown(sock, socket.SHUT_RDWR) if isinstance(sock, socket.socket) else sock.shutdown(
                socket.SHUT_RDWR)
        except (OSError, ValueError, AttributeError):
            pass

    def cancel(self) -> None:
        self._timer.cancel()


def _proxy_address(proxy: str) -> tuple[str, int, dict]:
    """Host, port and the Proxy-Authorization header (from user:password in the URL) of an http proxy."""
    parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
    if parts.scheme.lower() != "http" or not parts.hostname:
        raise UserContentError("USER_CONTENT_REQUEST_PROXY must be an http:// proxy")
    auth = {}
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        auth["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
    return parts.hostname, parts.port or 80, auth


def _open(target: _Target, policy: FetchPolicy, deadline: _Deadline):
    """Connect (to the vetted address, or through the proxy) and send the GET; returns (connection, response)."""
    address = _vet(target, policy, deadline)
    timeout = deadline.remaining()
    tls = dict(server_hostname=target.host, cert_reqs="CERT_REQUIRED", ca_certs=policy.ca_certs or certifi.where())
    request_target, proxy_auth = target.path, {}
    if policy.proxy:
        proxy_host, proxy_port, proxy_auth = _proxy_address(policy.proxy)
        if target.scheme == "https":
            conn = HTTPSConnection(proxy_host, proxy_port, timeout=timeout, **tls)
            conn.set_tunnel(target.host, target.port, headers=proxy_auth)
            proxy_auth = {}  # spoken to the proxy in CONNECT, never to the origin
        else:
            conn = HTTPConnection(proxy_host, proxy_port, timeout=timeout)
            request_target = target.url  # absolute form, as proxies expect
    elif target.scheme == "https":
        conn = HTTPSConnection(str(address), target.port, timeout=timeout, **tls)
    else:
        conn = HTTPConnection(str(address), target.port, timeout=timeout)
    deadline.watch(conn)
    headers = {"Host": target.host_header, "User-Agent": policy.user_agent, "Accept": "image/*",
               "Accept-Encoding": "identity", "Connection": "close", **proxy_auth}
    conn.connect()
    conn.request("GET", request_target, headers=headers, preload_content=False, decode_content=False)
    return conn, conn.getresponse()


def _read_body(resp, target: _Target, policy: FetchPolicy, deadline: _Deadline) -> bytes:
    limit_mb = f"{policy.max_bytes / (1024 * 1024):g} MB"
    declared = resp.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise UserContentError(f"image at {target.host} is larger than the {limit_mb} limit")
    encoding = resp.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):  # asked for identity; a compressed body could expand past the limit
        raise UserContentError(f"image at {target.host} was sent with content encoding {encoding!r}")
    chunks, total = [], 0
    while True:
        deadline.remaining()
        chunk = resp.read1(READ_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > policy.max_bytes:
            raise UserContentError(f"image at {target.host} is larger than the {limit_mb} limit")
        chunks.append(chunk)
    deadline.remaining()  # a watchdog shutdown looks like a clean end of the body
    return b"".join(chunks)


def _is_timeout(exc: Exception) -> bool:
    if isinstance(exc, urllib3_exceptions.NewConnectionError):  # a refused connect, despite its base class
        return False
    return isinstance(exc, (TimeoutError, urllib3_exceptions.TimeoutError))


def _download(url: str, policy: FetchPolicy) -> tuple[bytes, str, str]:
    """(body, declared content type, final host) after following vetted redirects."""
    deadline = _Deadline(policy.timeout)
    try:
        for _ in range(policy.max_redirects + 1):
            target = parse_target(url)
            conn = None
            try:
                conn, resp = _open(target, policy, deadline)
                location = resp.headers.get("Location")
                if resp.status in REDIRECT_STATUSES and location:
                    url = urljoin(target.url, location.strip())
                    continue
                if resp.status // 100 != 2:
                    raise UserContentError(f"image URL at {target.host} answered HTTP {resp.status}")
                body = _read_body(resp, target, policy, deadline)
                return body, resp.headers.get("Content-Type", ""), target.host
            except UserContentError:
                raise
            except Exception as exc:  # socket, TLS and HTTP parsing errors alike
                if deadline.expired or _is_timeout(exc):  # socket timeouts never exceed what is left
                    raise deadline.error() from None
                raise UserContentError(
                    f"image URL at {target.host} could not be fetched ({type(exc).__name__})") from None
            finally:
                if conn is not None:
                    conn.close()
        raise UserContentError(f"image URL redirected more than {policy.max_redirects} times")
    finally:
        deadline.cancel()


# ---- what the bytes are -------------------------------------------------------------------------------------

_HEIF_BRANDS = {b"heic": "image/heic", b"heix": "image/heic", b"hevc": "image/heic", b"hevx": "image/heic",
                b"heim": "image/heic", b"heis": "image/heic", b"mif1": "image/heif", b"msf1": "image/heif",
                b"avif": "image/avif", b"avis": "image/avif"}


def sniff_image_type(data: bytes) -> str | None:
    """The image type the magic bytes say, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return _HEIF_BRANDS[data[8:12]]
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if data[:2] == b"BM" and len(data) >= 26 and int.from_bytes(data[2:6], "little") == len(data):
        return "image/bmp"
    if data[:4] == b"\x00\x00\x01\x00" and len(data) > 6 and data[4:6] != b"\x00\x00":
        return "image/x-icon"
    return None


def image_media_type(data: bytes, declared: str, where: str) -> str:
    """The media type to send: the sniffed one, else a declared ``image/*`` that is not markup in disguise."""
    if not data:
        raise UserContentError(f"image at {where} is empty")
    sniffed = sniff_image_type(data)
    if sniffed:
        return sniffed
    declared = declared.split(";")[0].strip().lower()
    looks_like_markup = data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    if declared.startswith("image/") and (declared == "image/svg+xml" or not looks_like_markup):
        return declared
    raise UserContentError(f"content at {where} is not an image ({declared or 'no content type'})")


def _decode_data_url(url: str, policy: FetchPolicy) -> tuple[bytes, str]:
    head, sep, payload = url[5:].partition(",")
    if not sep:
        raise UserContentError("data URL has no comma")
    params = [p.strip() for p in head.split(";")]
    is_base64 = params[-1].lower() == "base64"
    declared = params[0] if params[0] else "text/plain"
    if len(payload) * (3 / 4 if is_base64 else 1) > policy.max_bytes + 3:
        raise UserContentError(f"data URL image is larger than the {policy.max_bytes / (1024 * 1024):g} MB limit")
    try:
        data = base64.b64decode(unquote_to_bytes(payload), validate=True) if is_base64 else unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        raise UserContentError("data URL is not valid base64") from None
    if len(data) > policy.max_bytes:
        raise UserContentError(f"data URL image is larger than the {policy.max_bytes / (1024 * 1024):g} MB limit")
    return data, declared


# ---- public interface -----------------------------------------------------------------------------------------

def fetch(url: str, policy: FetchPolicy | None = None) -> tuple[bytes, str]:
    """The image at ``url`` as (bytes, media type); UserContentError (a 400) for anything refused or failed."""
    policy = policy or policy_from_settings()
    if not isinstance(url, str) or not url:
        raise UserContentError("image URL is empty")
    if url[:5].lower() == "data:":
        data, declared = _decode_data_url(url, policy)
        return data, image_media_type(data, declared, "data URL")
    data, declared, host = _download(url, policy)
    return data, image_media_type(data, declared, host)


def inline_remote_images(ir_request, policy: FetchPolicy | None = None) -> int:
    """Download every image of ``ir_request`` that has a URL but no data, and set it inline (base64).

    For providers that cannot fetch URLs (Gemini). Each distinct URL is fetched once. Returns how many
    images were inlined."""
    from oneapi.relay.formats import iter_remote_images
    policy = policy or policy_from_settings()
    fetched: dict[str, tuple[bytes, str]] = {}
    count = 0
    for image in list(iter_remote_images(ir_request)):
        if image.url not in fetched:
            fetched[image.url] = fetch(image.url, policy)
        data, media_type = fetched[image.url]
        image.data = base64.b64encode(data).decode("ascii")
        image.media_type = media_type
        count += 1
    return count
