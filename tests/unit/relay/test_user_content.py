"""Fetching user-supplied image URLs: address rules (no network, injected resolver), redirects, size, time and
content-type limits against a local server that only an injected test policy may reach."""
from __future__ import annotations

import base64
import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oneapi.relay import user_content as uc
from oneapi.relay.formats import ir

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
LOCAL = (ipaddress.ip_network("127.0.0.0/8"),)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # bodies without Content-Length end at close

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", ctype: str = "image/png", **headers) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        if "Content_Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, first: bytes) -> None:
        """``first``, then one byte every 0.1 s for ten seconds, or until the client hangs up."""
        try:
            self.wfile.write(first)
            for _ in range(100):
                time.sleep(0.1)
                self.wfile.write(b"x")
                self.wfile.flush()
        except OSError:
            pass

    def do_GET(self) -> None:  # noqa: N802
        server = self.server
        server.seen.append({"path": self.path, "host": self.headers.get("Host"),
                            "accept_encoding": self.headers.get("Accept-Encoding")})
        if self.headers.get("Proxy-Authorization"):
            server.seen[-1]["proxy_auth"] = self.headers["Proxy-Authorization"]
        path, _, query = self.path.partition("?")
        if path.startswith("http://"):  # absolute form: we are the proxy
            path = "/" + path.split("/", 3)[3].partition("?")[0]
        if path == "/img.png":
            self._send(200, PNG)
        elif path == "/lying.txt":
            self._send(200, PNG, "text/plain")
        elif path == "/jpeg-as-png":
            self._send(200, JPEG, "image/png")
        elif path == "/page.html":
            self._send(200, b"<!doctype html><html>hi</html>", "text/html")
        elif path == "/html-as-png":
            self._send(200, b"  <html><body>login</body></html>", "image/png")
        elif path == "/octet":
            self._send(200, b"just some text, no image", "application/octet-stream")
        elif path == "/missing":
            self._send(404, b"not found", "text/plain")
        elif path == "/gzip":
            self._send(200, b"\x1f\x8b" + bytes(20), "image/png", Content_Encoding="gzip")
        elif path == "/redirect":
            self._send(302, b"", None, Location=query)
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self._send(301, b"", None, Location="/img.png" if left == 0 else f"/chain/{left - 1}")
        elif path == "/declared-huge":
            self._send(200, PNG, "image/png", Content_Length=str(10 ** 9))
        elif path == "/endless":  # no Content-Length: streams until the client hangs up
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            sent = 0
            try:
                self.wfile.write(PNG)
                while sent < 50 * 1024 * 1024:
                    self.wfile.write(bytes(64 * 1024))
                    sent += 64 * 1024
            except OSError:
                pass
            server.streamed.append(sent)
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self._drip(PNG)
        elif path == "/header-drip":  # headers that never end, one byte at a time
            self._drip(b"HTTP/1.0 200 OK\r\nX-Slow: ")
        elif path == "/stall":
            time.sleep(3)
            self._send(200, PNG)
        else:
            self._send(404, b"", "text/plain")


class ImageServer:
    """A tiny HTTP server on 127.0.0.1 (also usable as a forward proxy for http:// URLs)."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.seen = []
        self.httpd.streamed = []
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def seen(self) -> list[dict]:
        return self.httpd.seen

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server():
    srv = ImageServer()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _clear(request):
    if "server" in request.fixturenames:
        request.getfixturevalue("server").seen.clear()


class FakeResolver:
    """Answers from a table; records every question; never touches DNS."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table or {}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        answer = self.table[host]
        return answer.pop(0) if answer and isinstance(answer[0], list) else answer


def policy(resolver=None, allowed=(), **kw) -> uc.FetchPolicy:
    return uc.FetchPolicy(timeout=kw.pop("timeout", 3), max_bytes=kw.pop("max_bytes", 256 * 1024),
                          resolver=resolver or FakeResolver(), allowed_networks=allowed, **kw)


# ---- address rules ----------------------------------------------------------------------------------------------

LITERAL_REFUSED = [
    ("http://127.0.0.1/x.png", "loopback"),
    ("http://127.255.255.254/x.png", "loopback"),
    ("http://2130706433/x.png", "loopback"),          # decimal
    ("http://0x7f000001/x.png", "loopback"),          # hex
    ("http://0x7f.0.0.1/x.png", "loopback"),          # hex first part
    ("http://0177.0.0.1/x.png", "loopback"),          # octal
    ("http://127.1/x.png", "loopback"),               # short form
    ("http://127.0.0.1./x.png", "loopback"),          # trailing dot
    ("http://[::1]/x.png", "loopback"),
    ("http://[::ffff:127.0.0.1]/x.png", "loopback"),  # IPv4-mapped IPv6
    ("http://[::ffff:7f00:1]/x.png", "loopback"),
    ("http://[0:0:0:0:0:ffff:a9fe:a9fe]/x.png", "cloud metadata"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://2852039166/latest/meta-data/", "cloud metadata"),  # 169.254.169.254 in decimal
    ("http://169.254.1.1/x.png", "link-local"),
    ("http://[fe80::1]/x.png", "link-local"),
    ("http://[fe80::1%25eth0]/x.png", "link-local"),
    ("http://10.0.0.1/x.png", "private"),
    ("http://012.0.0.1/x.png", "private"),           # octal 10
    ("http://172.16.5.4/x.png", "private"),
    ("http://172.31.255.255/x.png", "private"),
    ("http://192.168.1.1:8080/x.png", "private"),
    ("http://[fd00::1]/x.png", "private"),
    ("http://[fc00::1]/x.png", "private"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "private"),  # AWS IPv6 metadata
    ("http://100.64.0.1/x.png", "carrier-grade NAT"),
    ("http://100.127.255.254/x.png", "carrier-grade NAT"),
    ("http://224.0.0.1/x.png", "multicast"),
    ("http://239.255.255.250/x.png", "multicast"),
    ("http://[ff02::1]/x.png", "multicast"),
    ("http://0.0.0.0/x.png", "unspecified"),
    ("http://0/x.png", "unspecified"),
    ("http://[::]/x.png", "unspecified"),
    ("http://240.0.0.1/x.png", "reserved"),
    ("http://255.255.255.255/x.png", "reserved"),
    ("http://198.18.0.1/x.png", "reserved"),
    ("http://192.0.2.1/x.png", "reserved"),
    ("http://[2001:db8::1]/x.png", "reserved"),
    ("http://[::7f00:1]/x.png", "reserved"),          # IPv4-compatible IPv6
    ("http://[64:ff9b::a9fe:a9fe]/x.png", "cloud metadata"),  # NAT64 of the metadata address
    ("http://[2002:a00:1::]/x.png", "private"),        # 6to4 of 10.0.0.1
    ("https://[::1]:8443/x.png", "loopback"),
]


@pytest.mark.parametrize("url,why", LITERAL_REFUSED)
def test_literal_addresses_are_refused_without_resolving(url, why):
    resolver = FakeResolver()
    with pytest.raises(uc.UserContentError) as err:
        uc.fetch(url, policy(resolver))
    assert err.value.status == 400 and err.value.code == "invalid_image_url"
    assert f"points to a {why} address" in err.value.message
    assert resolver.calls == []


@pytest.mark.parametrize("answer,why", [
    (["127.0.0.1"], "loopback"), (["::1"], "loopback"), (["169.254.169.254"], "cloud metadata"),
    (["10.1.2.3"], "private"), (["::ffff:192.168.0.1"], "private"), (["fd12:3456::1"], "private"),
    (["100.100.100.200"], "carrier-grade NAT"), (["0.0.0.0"], "unspecified"),
    (["93.184.215.14", "10.0.0.7"], "private"),  # one bad answer among good ones: refused
])
def test_names_resolving_to_forbidden_addresses_are_refused(answer, why):
    resolver = FakeResolver({"images.example.com": answer})
    with pytest.raises(uc.UserContentError) as err:
        uc.fetch("https://images.example.com/cat.png", policy(resolver))
    assert f"points to a {why} address" in err.value.message
    assert resolver.calls == ["images.example.com"]


@pytest.mark.parametrize("url", ["http://1.2.3.999/x", "http://0x100000000/x", "http://1.2.3.4.5/x",
                                 "http://08.0.0.1/x", "http://[::g]/x", "http://exa mple.com/x",
                                 "http://a\\@127.0.0.1/x", "http://%31%32%37.0.0.1/x", "http:///x"])
def test_malformed_hosts_are_refused(url):
    resolver = FakeResolver()
    with pytest.raises(uc.UserContentError):
        uc.fetch(url, policy(resolver))
    assert resolver.calls == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x.png", "gopher://example.com/",
                                 "javascript:alert(1)", "//example.com/x.png", "example.com/x.png",
                                 "http://user:pw@example.com/x.png"])
def test_only_plain_http_and_https_urls(url):
    with pytest.raises(uc.UserContentError):
        uc.fetch(url, policy(FakeResolver({"example.com": ["93.184.215.14"]})))


def test_unresolvable_host_is_a_clean_error():
    with pytest.raises(uc.UserContentError, match="could not be resolved"):
        uc.fetch("http://nowhere.invalid/x.png", policy(FakeResolver()))


def test_a_slow_resolver_counts_against_the_time_limit():
    def slow(host, port):
        time.sleep(3)
        return ["93.184.215.14"]
    started = time.monotonic()
    with pytest.raises(uc.UserContentError, match="timed out after 0.5s"):
        uc.fetch("http://slow-dns.example/x.png", policy(slow, timeout=0.5))
    assert time.monotonic() - started < 1.5


def test_public_addresses_pass_the_rules():
    for address in ("8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808",
                    "1.1.1.1"):
        assert uc.forbidden_reason(ipaddress.ip_address(address)) is None, address


def test_numeric_spellings_read_as_browsers_do():
    assert str(uc.parse_ipv4_host("134744072")) == "8.8.8.8"
    assert str(uc.parse_ipv4_host("0x8.0x8.0x8.0x8")) == "8.8.8.8"
    assert str(uc.parse_ipv4_host("010.0.0.1")) == "8.0.0.1"
    assert str(uc.parse_ipv4_host("10.1")) == "10.0.0.1"
    assert uc.parse_ipv4_host("images.example.com") is None
    assert uc.parse_ipv4_host("1x.example") is None


# ---- transfers against the local server (reachable only through an injected allow-list) ----------------------

def test_local_server_is_refused_by_default(server):
    with pytest.raises(uc.UserContentError, match="loopback"):
        uc.fetch(server.url("/img.png"), policy())
    assert server.seen == []


def test_fetch_connects_to_the_vetted_address_with_the_original_host_header(server):
    resolver = FakeResolver({"images.test": [["127.0.0.1"], ["10.9.9.9"]]})  # a rebinding second answer
    data, media_type = uc.fetch(server.url("/img.png?size=large", "images.test"), policy(resolver, LOCAL))
    assert data == PNG and media_type == "image/png"
    assert resolver.calls == ["images.test"]  # resolved once; the connection used that answer
    assert server.seen == [{"path": "/img.png?size=large", "host": f"images.test:{server.port}",
                            "accept_encoding": "identity"}]


def test_redirects_are_followed_and_each_hop_vetted(server):
    data, _ = uc.fetch(server.url("/chain/2"), policy(allowed=LOCAL))  # three redirects
    assert data == PNG and [s["path"] for s in server.seen] == ["/chain/2", "/chain/1", "/chain/0", "/img.png"]
    server.seen.clear()
    with pytest.raises(uc.UserContentError, match="redirected more than 3 times"):
        uc.fetch(server.url("/chain/3"), policy(allowed=LOCAL))
    assert len(server.seen) == 4  # the fourth redirect is not followed


@pytest.mark.parametrize("location,why", [
    ("http://10.0.0.1/x.png", "private"),
    ("http://169.254.169.254/latest/meta-data/iam", "cloud metadata"),
    ("http://[::ffff:a9fe:a9fe]/", "cloud metadata"),
    ("http://0xa9fea9fe/", "cloud metadata"),
    ("http://internal.test/x.png", "private"),
])
def test_redirect_to_a_private_address_is_refused(server, location, why):
    resolver = FakeResolver({"internal.test": ["192.168.10.10"]})
    with pytest.raises(uc.UserContentError, match=f"points to a {why} address"):
        uc.fetch(server.url(f"/redirect?{location}"), policy(resolver, LOCAL))
    assert [s["path"] for s in server.seen] == [f"/redirect?{location}"]


def test_redirect_to_another_scheme_is_refused(server):
    with pytest.raises(uc.UserContentError, match="scheme 'file'"):
        uc.fetch(server.url("/redirect?file:///etc/passwd"), policy(allowed=LOCAL))


def test_declared_length_over_the_limit_is_refused_before_reading(server):
    with pytest.raises(uc.UserContentError, match="larger than"):
        uc.fetch(server.url("/declared-huge"), policy(allowed=LOCAL, max_bytes=1024))


def test_streamed_body_stops_at_the_limit(server):
    server.httpd.streamed.clear()
    started = time.monotonic()
    with pytest.raises(uc.UserContentError, match="larger than the 0.25 MB limit"):
        uc.fetch(server.url("/endless"), policy(allowed=LOCAL, max_bytes=256 * 1024))
    assert time.monotonic() - started < 2
    deadline = time.monotonic() + 3
    while not server.httpd.streamed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.httpd.streamed and server.httpd.streamed[0] < 50 * 1024 * 1024  # the sender was cut off


def test_total_time_limit_holds_against_a_dripping_server(server):
    started = time.monotonic()
    with pytest.raises(uc.UserContentError, match="timed out after 1s"):
        uc.fetch(server.url("/drip"), policy(allowed=LOCAL, timeout=1))
    assert 0.9 < time.monotonic() - started < 2.5


def test_total_time_limit_holds_against_dripping_headers(server):
    started = time.monotonic()  # each byte comes well within the socket timeout: only the watchdog ends this
    with pytest.raises(uc.UserContentError, match="timed out after 1s"):
        uc.fetch(server.url("/header-drip"), policy(allowed=LOCAL, timeout=1))
    assert 0.9 < time.monotonic() - started < 2.5


def test_total_time_limit_holds_while_waiting_for_headers(server):
    started = time.monotonic()
    with pytest.raises(uc.UserContentError, match="timed out"):
        uc.fetch(server.url("/stall"), policy(allowed=LOCAL, timeout=0.5))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("path,expected", [("/lying.txt", "image/png"), ("/jpeg-as-png", "image/jpeg")])
def test_magic_bytes_decide_the_media_type(server, path, expected):
    assert uc.fetch(server.url(path), policy(allowed=LOCAL))[1] == expected


@pytest.mark.parametrize("path,message", [
    ("/page.html", "not an image"), ("/html-as-png", "not an image"), ("/octet", "not an image"),
    ("/missing", "HTTP 404"), ("/gzip", "content encoding 'gzip'"),
])
def test_non_images_and_failures_are_refused(server, path, message):
    with pytest.raises(uc.UserContentError, match=message):
        uc.fetch(server.url(path), policy(allowed=LOCAL))


def test_connection_refused_is_a_clean_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(uc.UserContentError, match="could not be fetched"):
        uc.fetch(f"http://127.0.0.1:{port}/x.png", policy(allowed=LOCAL))


def test_proxy_resolves_names_but_literal_addresses_are_still_vetted(server):
    resolver = FakeResolver()
    proxied = policy(resolver, proxy=f"http://127.0.0.1:{server.port}")
    data, media_type = uc.fetch("http://images.example.com/img.png", proxied)
    assert (data, media_type) == (PNG, "image/png")
    assert resolver.calls == []  # the proxy resolved the name
    assert server.seen[0]["path"] == "http://images.example.com/img.png"  # absolute form, to the proxy
    assert server.seen[0]["host"] == "images.example.com" and "proxy_auth" not in server.seen[0]
    server.seen.clear()
    uc.fetch("http://images.example.com/img.png", policy(proxy=f"http://u%40x:p%3Aw@127.0.0.1:{server.port}"))
    assert server.seen[0]["proxy_auth"] == "Basic " + base64.b64encode(b"u@x:p:w").decode()
    server.seen.clear()
    for url in ("http://10.0.0.1/img.png", "http://2130706433/img.png", "http://[::ffff:169.254.169.254]/"):
        with pytest.raises(uc.UserContentError, match="refused"):
            uc.fetch(url, proxied)
    assert server.seen == []  # never reached the proxy


def test_settings_give_the_default_policy(monkeypatch):
    from oneapi import config
    monkeypatch.setattr(config, "settings", config.load({"USER_CONTENT_REQUEST_TIMEOUT": "7",
                                                         "MAX_INLINE_IMAGE_SIZE_MB": "2",
                                                         "USER_CONTENT_REQUEST_PROXY": "http://proxy:3128"}))
    p = uc.policy_from_settings()
    assert (p.timeout, p.max_bytes, p.proxy, p.allowed_networks) == (7, 2 * 1024 * 1024, "http://proxy:3128", ())


# ---- data: URLs ----------------------------------------------------------------------------------------------

def test_data_urls_need_no_network(monkeypatch):
    def no_network(*a, **k):
        raise AssertionError("network used for a data: URL")
    monkeypatch.setattr(uc, "_download", no_network)
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert uc.fetch(url, policy()) == (PNG, "image/png")
    lying = "data:text/plain;base64," + base64.b64encode(JPEG).decode()
    assert uc.fetch(lying, policy()) == (JPEG, "image/jpeg")
    with pytest.raises(uc.UserContentError, match="not an image"):
        uc.fetch("data:text/html,%3Chtml%3E", policy())
    with pytest.raises(uc.UserContentError, match="base64"):
        uc.fetch("data:image/png;base64,***", policy())
    with pytest.raises(uc.UserContentError, match="larger than"):
        uc.fetch("data:image/png;base64," + base64.b64encode(PNG * 100).decode(), policy(max_bytes=1024))


# ---- inlining into an IR request ------------------------------------------------------------------------------

def _request(*images: ir.Image) -> ir.Request:
    return ir.Request(model="gemini-1.5-flash",
                      messages=[ir.Message(role="user", parts=[ir.Text("what is this?"), *images])])


def test_inline_remote_images_fetches_each_url_once(server):
    url = server.url("/img.png")
    first, second, inline = ir.Image(url=url), ir.Image(url=url), ir.Image(data="AAAA", media_type="image/gif")
    assert uc.inline_remote_images(_request(first, second, inline), policy(allowed=LOCAL)) == 2
    assert first.data == second.data == base64.b64encode(PNG).decode() and first.media_type == "image/png"
    assert inline.data == "AAAA" and len(server.seen) == 1


def test_inline_remote_images_uses_module_allow_list_for_tests(server, monkeypatch):
    image = ir.Image(url=server.url("/img.png"))
    with pytest.raises(uc.UserContentError, match="loopback"):
        uc.inline_remote_images(_request(image))
    monkeypatch.setattr(uc, "ALLOWED_NETWORKS", LOCAL)
    assert uc.inline_remote_images(_request(image)) == 1 and image.media_type == "image/png"


# ---- https: connect to the vetted address, verify the certificate against the URL's name, send its SNI ---------

class _TunnelProxy(BaseHTTPRequestHandler):
    """CONNECT to any host:port goes to 127.0.0.1:port (a test proxy 'resolving' every name locally)."""

    def log_message(self, *args) -> None:
        pass

    def do_CONNECT(self) -> None:  # noqa: N802
        self.server.seen.append(self.path)
        self.server.auth.append(self.headers.get("Proxy-Authorization"))
        port = int(self.path.rsplit(":", 1)[1])
        upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()

        def pump(src, dst):
            try:
                while chunk := src.recv(65536):
                    dst.sendall(chunk)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        back = threading.Thread(target=pump, args=(upstream, self.connection), daemon=True)
        back.start()
        pump(self.connection, upstream)
        back.join(5)
        upstream.close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """An HTTPS image server for the name images.test (no IP in its certificate), its CA, and a CONNECT proxy."""
    ssl = pytest.importorskip("ssl")
    x509 = pytest.importorskip("cryptography.x509")
    import datetime

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("test ca")).issuer_name(name("test ca"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name("images.test")).issuer_name(ca.subject)
            .public_key(leaf_key.public_key()).serial_number(2).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("images.test")]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "leaf.key").write_bytes(leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    srv = ImageServer()
    srv.sni = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    context.sni_callback = lambda sock, server_name, ctx: srv.sni.append(server_name)
    srv.httpd.socket = context.wrap_socket(srv.httpd.socket, server_side=True)
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _TunnelProxy)
    proxy.daemon_threads = True
    proxy.seen, proxy.auth = [], []
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    yield srv, str(folder / "ca.pem"), proxy
    proxy.shutdown()
    proxy.server_close()
    srv.stop()


def test_https_goes_to_the_vetted_address_with_the_name_for_sni_and_certificate(tls):
    srv, ca, _ = tls
    srv.sni.clear()
    resolver = FakeResolver({"images.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    https = policy(resolver, LOCAL, ca_certs=ca)
    assert uc.fetch(f"https://images.test:{srv.port}/img.png", https) == (PNG, "image/png")
    assert srv.sni == ["images.test"] and srv.seen[-1]["host"] == f"images.test:{srv.port}"
    with pytest.raises(uc.UserContentError, match="could not be fetched"):  # certificate is not for other.test
        uc.fetch(f"https://other.test:{srv.port}/img.png", https)
    with pytest.raises(uc.UserContentError, match="could not be fetched"):  # nor trusted without the test CA
        uc.fetch(f"https://images.test:{srv.port}/img.png", policy(resolver, LOCAL))


def test_https_through_the_proxy_tunnels_to_the_name(tls):
    srv, ca, proxy = tls
    srv.sni.clear()
    resolver = FakeResolver()
    tunneled = policy(resolver, ca_certs=ca, proxy=f"http://user:secret@127.0.0.1:{proxy.server_address[1]}")
    assert uc.fetch(f"https://images.test:{srv.port}/img.png", tunneled) == (PNG, "image/png")
    assert proxy.seen[-1] == f"images.test:{srv.port}" and srv.sni == ["images.test"]
    assert proxy.auth[-1] == "Basic " + base64.b64encode(b"user:secret").decode()
    assert "proxy_auth" not in srv.seen[-1]  # the credentials stay with the proxy
    assert resolver.calls == []
