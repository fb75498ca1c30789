"""deploy/nginx.conf with Debian's nginx in front of two gateway instances sharing PostgreSQL and Redis."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.integration.ops.conftest import ensure_tool
from tests.support import dbs
from tests.support.app import gateway_env, make_app
from tests.support.server import free_port

NGINX_CONF = dbs.REPO / "deploy" / "nginx.conf"


def _wait_http(url: str, proc: subprocess.Popen, log_path, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, log_path.read_text(errors="replace")[-3000:]
        try:
            requests.get(url, timeout=1, headers={"Connection": "close"})
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


def _start_gateway(env: dict, port: int, log_path) -> subprocess.Popen:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SQL_", "REDIS_", "ONEAPI_"))}
    full_env.update(env, PYTHONPATH=str(dbs.REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "tests.integration.ops.slow_app:app"],
        cwd=str(dbs.REPO), env=full_env, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT,
        start_new_session=True)
    _wait_http(f"http://127.0.0.1:{port}/api/status", proc, log_path)
    return proc


def render_nginx_conf(upstream_ports: list[int], listen_port: int) -> str:
    """deploy/nginx.conf with the test's instances as upstreams and a local listen port, nothing else changed."""
    text = NGINX_CONF.read_text()
    servers = re.findall(r"^\s*server \S+:\d+ [^;]*;\s*$", text, flags=re.M)
    assert len(servers) == 2, "deploy/nginx.conf should list two upstream servers"
    options = servers[0].strip().split(" ", 2)[2]
    text = text.replace(servers[0], "".join(f"    server 127.0.0.1:{p} {options}\n" for p in upstream_ports))
    text = text.replace(servers[1], "")
    assert "listen 80;" in text
    return text.replace("listen 80;", f"listen 127.0.0.1:{listen_port};")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """nginx on deploy/nginx.conf -> two gunicorn instances -> one PostgreSQL database and one Redis."""
    nginx = ensure_tool("nginx")
    redis_url = dbs.require_redis()
    tmp_path = tmp_path_factory.mktemp("nginx-stack")
    pg = dbs.create("postgres", tmp_path)
    procs = []
    try:
        make_app(pg)  # schema and root account once, before the instances start
        env = gateway_env(pg, REDIS_CONN_STRING=redis_url, SYNC_FREQUENCY="60", GLOBAL_API_RATE_LIMIT="8",
                          ENABLE_PROMETHEUS_METRICS="true", METRICS_TOKEN="scrape-secret")
        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            procs.append(_start_gateway(env, port, tmp_path / f"gateway{i}.log"))
        (tmp_path / "one-api.conf").write_text(render_nginx_conf(ports, listen := free_port()))
        user = "user root;\n" if os.geteuid() == 0 else ""
        (tmp_path / "nginx-main.conf").write_text(f"""
{user}daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/one-api.conf;
}}
""")
        check = subprocess.run([nginx, "-t", "-q", "-p", str(tmp_path), "-e", str(tmp_path / "nginx-error.log"),
                                "-c", str(tmp_path / "nginx-main.conf")], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-e", str(tmp_path / "nginx-error.log"),
                                  "-c", str(tmp_path / "nginx-main.conf")],
                                 stdout=subprocess.DEVNULL, stderr=open(tmp_path / "nginx.out", "wb"),
                                 start_new_session=True)
        procs.append(proxy)
        _wait_http(f"http://127.0.0.1:{listen}/api/status", proxy, tmp_path / "nginx.out")
        yield {"url": f"http://127.0.0.1:{listen}", "redis_url": redis_url}
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        dbs.drop(pg)


def test_nginx_config_streams_and_balances(stack):
    url = stack["url"]
    # Both instances answer through nginx (round robin over kept-alive upstream connections).
    session = requests.Session()
    pids = {session.get(url + "/_test/pid", timeout=5).text for _ in range(8)}
    assert len(pids) == 2

    # A slow SSE stream arrives event by event, not in one piece at the end.
    interval, chunks = 0.4, 5
    started = time.monotonic()
    arrivals, buffer = [], b""
    with session.get(f"{url}/_test/slow?chunks={chunks}&interval={interval}", stream=True, timeout=30) as resp:
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        while True:
            data = resp.raw.read1(65536)
            if not data:
                break
            buffer += data
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                arrivals.append((event.decode(), time.monotonic() - started))
    assert [e for e, _ in arrivals] == [f"data: {i}" for i in range(chunks)] + ["data: [DONE]"]
    assert arrivals[0][1] < interval * 2  # the first event did not wait for the rest
    gaps = [b - a for (_, a), (_, b) in zip(arrivals, arrivals[1:])]
    assert all(g > interval * 0.5 for g in gaps[:chunks - 1]), gaps  # each event came on its own


def test_instances_share_the_rate_limit_through_redis(stack):
    import redis
    r = redis.Redis.from_url(stack["redis_url"])
    key = "rateLimit:GA:127.0.0.1"  # nginx's X-Real-IP: the client as the instances see it
    r.delete(key)
    try:
        session = requests.Session()
        statuses = [session.get(stack["url"] + "/api/status", timeout=5).status_code for _ in range(9)]
        assert statuses == [200] * 8 + [429]  # 8 allowed in total across both instances, not 8 each
        assert r.llen(key) == 8
    finally:
        r.delete(key)


def test_pool_gauges_on_postgres_and_redis(stack):
    from prometheus_client.parser import text_string_to_metric_families
    text = requests.get(stack["url"] + "/metrics", headers={"Authorization": "Bearer scrape-secret"}, timeout=5).text
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("one_api_db_pool_connections", (("database", "main"), ("state", "max")))] == 2000
    assert ("one_api_db_pool_connections", (("database", "main"), ("state", "in_use"))) in samples
    assert ("one_api_redis_pool_connections", (("pool", "ratelimit"), ("state", "idle"))) in samples


def test_nginx_conf_keeps_the_streaming_settings():
    """The settings a streaming gateway needs, which a working short test cannot all observe."""
    text = NGINX_CONF.read_text()
    settings = dict(re.findall(r"^\s*(proxy_\w+|keepalive\w*|client_max_body_size|gzip)\s+([^;]+);", text, re.M))
    assert settings["proxy_buffering"] == "off" and settings["proxy_request_buffering"] == "off"
    assert settings["proxy_http_version"] == "1.1" and settings["gzip"] == "off"
    assert int(settings["proxy_read_timeout"].rstrip("s")) >= 300
    assert int(settings["keepalive"]) > 0
    gunicorn_keepalive = int(re.search(r"^keepalive = (\d+)", (dbs.REPO / "gunicorn.conf.py").read_text(), re.M)[1])
    assert int(settings["keepalive_timeout"].rstrip("s")) < gunicorn_keepalive  # nginx closes idle ones first
    assert "X-Real-IP $remote_addr" in text
