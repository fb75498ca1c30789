"""Prometheus metrics: the recording API, /metrics protection, label hygiene, several workers, a real scrape."""
from __future__ import annotations

import sqlite3
import subprocess
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from oneapi.ops import metrics
from tests.integration.ops.conftest import ensure_tool
from tests.support.app import gateway_env, make_app
from tests.support.server import GatewayServer, free_port

ADMIN_TOKEN = "0123456789abcdef0123456789abcdef"


def _samples(text: str) -> dict:
    """{(name, frozenset(labels)): value} from an exposition."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def _value(samples: dict, name: str, **labels) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def test_metrics_require_admin_or_metrics_token(ops_app):
    client = ops_app(ENABLE_PROMETHEUS_METRICS="true", METRICS_TOKEN="scrape-secret",
                     INITIAL_ROOT_ACCESS_TOKEN=ADMIN_TOKEN).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert ok.status_code == 200 and ok.mimetype == "text/plain"
    assert client.get("/metrics", headers={"Authorization": ADMIN_TOKEN}).status_code == 200


def test_metrics_off_means_no_endpoint(ops_app):
    client = ops_app(ENABLE_PROMETHEUS_METRICS="false", INITIAL_ROOT_ACCESS_TOKEN=ADMIN_TOKEN).test_client()
    assert client.get("/metrics", headers={"Authorization": ADMIN_TOKEN}).status_code == 404


def test_recording_api_and_http_metrics(ops_app):
    client = ops_app(ENABLE_PROMETHEUS_METRICS="true", INITIAL_ROOT_ACCESS_TOKEN=ADMIN_TOKEN,
                     RATE_LIMIT_DISABLED="true").test_client()
    auth = {"Authorization": ADMIN_TOKEN}
    before = _samples(client.get("/metrics", headers=auth).get_data(as_text=True))

    metrics.observe_relay("gpt-4o-mini", 7, 200, 1.5, 0.2)
    metrics.observe_relay("gpt-4o-mini", 7, 502, 0.3)
    metrics.upstream_error("timeout", 7)
    metrics.quota_consumed(1234)
    metrics.stream_started()
    metrics.stream_started()
    metrics.stream_finished()
    for _ in range(3):
        with client.get("/api/status") as resp:  # closing the body is what records a request
            assert resp.status_code == 200
    after = _samples(client.get("/metrics", headers=auth).get_data(as_text=True))

    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("one_api_relay_requests_total", model="gpt-4o-mini", channel_id="7", status="200") == 1
    assert delta("one_api_relay_requests_total", model="gpt-4o-mini", channel_id="7", status="502") == 1
    assert delta("one_api_relay_request_duration_seconds_sum", model="gpt-4o-mini", channel_id="7") == \
        pytest.approx(1.8)
    assert delta("one_api_relay_first_token_seconds_count", model="gpt-4o-mini", channel_id="7") == 1
    assert delta("one_api_upstream_errors_total", kind="timeout", channel_id="7") == 1
    assert delta("one_api_quota_consumed_total") == 1234
    assert delta("one_api_streams_in_flight") == 1
    assert delta("one_api_http_requests_total", path="/api/status", method="GET", status_code="200") == 3
    assert delta("one_api_http_request_duration_seconds_count", path="/api/status", method="GET") == 3
    metrics.stream_finished()


def test_labels_carry_route_templates_never_raw_paths(ops_app):
    client = ops_app(ENABLE_PROMETHEUS_METRICS="true", INITIAL_ROOT_ACCESS_TOKEN=ADMIN_TOKEN,
                     RATE_LIMIT_DISABLED="true").test_client()
    secret = "sk-" + "S3cr3tK3y" * 5
    client.get(f"/api/{secret}").close()
    client.get(f"/v1/{secret}/x", headers={"Authorization": f"Bearer {secret}"}).close()
    text = client.get("/metrics", headers={"Authorization": ADMIN_TOKEN}).get_data(as_text=True)
    assert secret not in text and "S3cr3tK3y" not in text
    assert 'path="<unmatched>"' in text


def test_channel_status_comes_from_the_database(ops_app, sqlite_db):
    client = ops_app(ENABLE_PROMETHEUS_METRICS="true", INITIAL_ROOT_ACCESS_TOKEN=ADMIN_TOKEN).test_client()
    conn = sqlite3.connect(sqlite_db.sqlite_path)
    conn.execute("INSERT INTO channels (id, type, key, status, name) VALUES (11, 1, 'sk-chan-secret', 1, 'a')")
    conn.execute("INSERT INTO channels (id, type, key, status, name) VALUES (12, 14, 'sk-other-secret', 3, 'b')")
    conn.commit()
    conn.close()
    text = client.get("/metrics", headers={"Authorization": ADMIN_TOKEN}).get_data(as_text=True)
    samples = _samples(text)
    assert _value(samples, "one_api_channel_status", channel_id="11", type="1") == 1
    assert _value(samples, "one_api_channel_status", channel_id="12", type="14") == 3
    assert _value(samples, "one_api_channels", status="3") == 1
    assert "secret" not in text


def _gunicorn(sqlite_db, tmp_path, workers=2):
    # Create the schema and root user once, before several workers start on the fresh database.
    make_app(sqlite_db, INITIAL_ROOT_ACCESS_TOKEN=ADMIN_TOKEN)
    env = gateway_env(sqlite_db, ENABLE_PROMETHEUS_METRICS="true", METRICS_TOKEN="scrape-secret",
                      INITIAL_ROOT_ACCESS_TOKEN=ADMIN_TOKEN, RATE_LIMIT_DISABLED="true")
    return GatewayServer(env, workers=workers, log_path=str(tmp_path / "gateway.log"))


def test_several_workers_are_one_target(sqlite_db, tmp_path):
    """Counts are the sum over all gunicorn workers, whichever worker answers the scrape."""
    with _gunicorn(sqlite_db, tmp_path) as server:
        auth = {"Authorization": "Bearer scrape-secret"}
        for _ in range(20):
            requests.get(server.url + "/api/notice", timeout=5, headers={"Connection": "close"})
        seen = set()
        for _ in range(6):
            text = requests.get(server.url + "/metrics", headers=auth | {"Connection": "close"}, timeout=5).text
            seen.add(_value(_samples(text), "one_api_http_requests_total", path="/api/notice"))
        assert seen == {20.0}


def test_real_prometheus_scrapes_the_gateway(sqlite_db, tmp_path):
    prometheus = ensure_tool("prometheus")
    with _gunicorn(sqlite_db, tmp_path) as server:
        for _ in range(5):
            requests.get(server.url + "/api/status", timeout=5)
        prom_port = free_port()
        config_file = tmp_path / "prometheus.yml"
        config_file.write_text(f"""
global: {{scrape_interval: 1s, scrape_timeout: 1s}}
scrape_configs:
  - job_name: oneapi
    metrics_path: /metrics
    authorization: {{type: Bearer, credentials: scrape-secret}}
    static_configs: [{{targets: ["127.0.0.1:{server.port}"]}}]
  - job_name: oneapi_without_token
    metrics_path: /metrics
    static_configs: [{{targets: ["127.0.0.1:{server.port}"]}}]
""")
        proc = subprocess.Popen(
            [prometheus, f"--config.file={config_file}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=open(tmp_path / "prometheus.log", "wb"), stderr=subprocess.STDOUT)
        try:
            def query(expr):
                r = requests.get(f"http://127.0.0.1:{prom_port}/api/v1/query", params={"query": expr}, timeout=3)
                return r.json()["data"]["result"]

            deadline, got = time.time() + 40, None
            while time.time() < deadline:
                try:
                    got = query('sum(one_api_http_requests_total{job="oneapi",path="/api/status"})')
                    up = {r["metric"]["job"]: r["value"][1] for r in query("up")}
                    if got and float(got[0]["value"][1]) >= 5 and len(up) == 2:
                        break
                except (requests.RequestException, ValueError, KeyError):
                    pass
                time.sleep(0.5)
            assert got and float(got[0]["value"][1]) >= 5, (tmp_path / "prometheus.log").read_text()[-2000:]
            assert up == {"oneapi": "1", "oneapi_without_token": "0"}  # the endpoint refuses anonymous scrapes
            assert query('one_api_http_active_requests{job="oneapi"}')
        finally:
            proc.terminate()
            proc.wait(10)
