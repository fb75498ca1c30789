"""The relay's own HTTP/1.1 client against a scripted raw-socket server: framing, keep-alive, stale connections,
failures mapped to requests' exceptions."""
from __future__ import annotations

import gzip
import socket
import threading
import time

import pytest
import requests

from oneapi.relay import http_client


class ScriptedServer:
    """Accepts connections; for each request read, sends the next scripted answer (bytes, or a callable)."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        buf = b""
        with conn:
            while self.answers:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                while len(buf) < length:
                    buf += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + buf[:length])
                buf = buf[length:]
                answer = self.answers.pop(0)
                if callable(answer):
                    if answer(conn) == "close":
                        return
                else:
                    conn.sendall(answer)

    def close(self):
        self.sock.close()


@pytest.fixture(autouse=True)
def fresh_pool():
    http_client.reset()
    yield
    http_client.reset()


def _send(url, **kw):
    return http_client.request("POST", url + "/v1/chat/completions", headers={"Authorization": "Bearer k"},
                               data=b'{"a":1}', **kw)


JSON_ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'


def test_request_head_and_content_length_body_on_a_reused_connection():
    server = ScriptedServer([JSON_ANSWER, JSON_ANSWER])
    try:
        first, second = _send(server.url), _send(server.url)
        assert first.status_code == 200 and first.json() == {"ok": True} and second.content == b'{"ok":true}'
        assert first.headers["content-type"] == "application/json" and first.request.headers["Authorization"]
        assert server.connections == 1
        head = server.requests[0].decode()
        assert head.startswith("POST /v1/chat/completions HTTP/1.1\r\n")
        assert f"Host: {server.url[7:]}\r\n" in head and "Content-Length: 7\r\n" in head
        assert "Authorization: Bearer k\r\n" in head and head.endswith('{"a":1}')
    finally:
        server.close()


def test_chunked_stream_is_read_as_it_arrives_and_the_connection_is_reused():
    def stream(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for event in (b"data: 1\n\n", b"data: 2\n\n"):
            conn.sendall(b"%x\r\n%s\r\n" % (len(event), event))
            time.sleep(0.05)
        conn.sendall(b"0\r\nX-Trailer: 1\r\n\r\n")

    server = ScriptedServer([stream, JSON_ANSWER])
    try:
        resp = _send(server.url, stream=True)
        started = time.monotonic()
        assert resp.raw.read1(65536) == b"data: 1\n\n"
        assert time.monotonic() - started < 0.04  # the first event is not held until the second
        assert resp.raw.read1(65536, decode_content=True) == b"data: 2\n\n"
        assert resp.raw.read1(65536) == b"" and resp.raw.read1(65536) == b""
        assert _send(server.url).json() == {"ok": True}
        assert server.connections == 1
    finally:
        server.close()


def test_body_delimited_by_close_and_gzip_encoding():
    packed = gzip.compress(b'{"zipped":1}')

    def close_delimited(conn):
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"x\":")
        conn.sendall(b"2}")
        return "close"

    server = ScriptedServer([
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(packed), packed),
        close_delimited])
    try:
        assert _send(server.url).json() == {"zipped": 1}
        assert _send(server.url).json() == {"x": 2}
    finally:
        server.close()


def test_interim_answers_are_skipped_and_no_body_statuses_end_at_once():
    server = ScriptedServer([b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-A: 1\r\nX-A: 2\r\n\r\n",
                             JSON_ANSWER])
    try:
        resp = _send(server.url)
        assert resp.status_code == 204 and resp.content == b"" and resp.headers["x-a"] == "1, 2"
        assert _send(server.url).status_code == 200 and server.connections == 1
    finally:
        server.close()


def test_a_connection_the_server_dropped_while_idle_is_replaced_without_an_error():
    def answer_then_close(conn):
        conn.sendall(JSON_ANSWER)
        return "close"

    server = ScriptedServer([answer_then_close, JSON_ANSWER])
    try:
        assert _send(server.url).status_code == 200
        time.sleep(0.05)
        assert _send(server.url).json() == {"ok": True}
        assert server.connections == 2 and len(server.requests) == 2  # sent once on the new connection
    finally:
        server.close()


def test_a_fresh_connection_closed_without_an_answer_is_a_connection_error():
    server = ScriptedServer([lambda conn: "close"])
    try:
        with pytest.raises(requests.ConnectionError, match="closed the connection without answering"):
            _send(server.url)
        assert len(server.requests) == 1  # not sent twice
    finally:
        server.close()


def test_cut_bodies_timeouts_and_refused_connections_raise_requests_exceptions():
    def cut(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\"")
        return "close"

    def cut_chunk(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc")
        return "close"

    def silent(conn):
        time.sleep(0.5)

    server = ScriptedServer([cut, cut_chunk, silent])
    try:
        with pytest.raises(requests.RequestException):
            _send(server.url)
        resp = _send(server.url, stream=True)
        with pytest.raises(OSError):
            while resp.raw.read1(65536):
                pass
        with pytest.raises(requests.Timeout):
            _send(server.url, timeout=(5, 0.1))
    finally:
        server.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(requests.ConnectionError):
        _send(f"http://127.0.0.1:{port}")


def test_header_injection_and_bad_urls_are_refused_before_sending():
    with pytest.raises(requests.exceptions.InvalidHeader):
        http_client.request("POST", "http://127.0.0.1:1/x", headers={"X-Key": "a\r\nEvil: 1"}, data=b"")
    with pytest.raises(requests.exceptions.InvalidURL):
        http_client.request("POST", "ftp://example.com/x", headers={}, data=b"")


def test_closing_an_unfinished_stream_does_not_return_its_connection():
    def stream(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        time.sleep(0.3)

    server = ScriptedServer([stream, JSON_ANSWER])
    try:
        resp = _send(server.url, stream=True)
        assert resp.raw.read1(65536) == b"hello"
        resp.close()
        assert _send(server.url).status_code == 200
        assert server.connections == 2
    finally:
        server.close()


def test_https_verifies_the_certificate_and_reuses_the_tls_connection(tmp_path):
    import shutil
    import ssl
    import subprocess
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "12")
            self.end_headers()
            self.wfile.write(b'{"tls":true}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://localhost:{server.server_port}"
    try:
        with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
            _send(url)
        http_client.pool()._tls = ssl.create_default_context(cafile=str(cert))
        assert [_send(url).json() for _ in range(3)] == [{"tls": True}] * 3
        assert [len(conns) for conns in http_client.pool().idle.values()] == [1]
    finally:
        http_client.reset()
        server.shutdown()


def test_the_request_target_is_percent_encoded_where_it_must_be():
    server = ScriptedServer([JSON_ANSWER, JSON_ANSWER])
    try:
        http_client.request("GET", server.url + "/v1/responses/ 0 é?q=a b", headers={})
        http_client.request("GET", server.url + "/v1/models/a%2Fb?x=1&y=%20", headers={})
        assert server.requests[0].startswith(b"GET /v1/responses/%200%20%C3%A9?q=a%20b HTTP/1.1\r\n")
        assert server.requests[1].startswith(b"GET /v1/models/a%2Fb?x=1&y=%20 HTTP/1.1\r\n")
    finally:
        server.close()
