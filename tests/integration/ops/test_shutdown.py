"""Graceful shutdown on SIGTERM: in-flight streams finish (within SHUTDOWN_TIMEOUT), then hooks flush.

Both servers are tested: gunicorn with the gevent worker, and ``python app.py`` (gevent's WSGI server).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.support.app import gateway_env, make_app
from tests.support.dbs import REPO
from tests.support.server import free_port


def _start(kind: str, env: dict, port: int, log_path) -> subprocess.Popen:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SQL_", "REDIS_", "ONEAPI_"))}
    full_env.update(env, PYTHONPATH=str(REPO))
    if kind == "gunicorn":
        cmd = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "tests.integration.ops.slow_app:app"]
    else:
        cmd = [sys.executable, "-m", "tests.integration.ops.slow_app", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=str(REPO), env=full_env, stdout=open(log_path, "ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        assert proc.poll() is None, open(log_path).read()[-3000:]
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/status", timeout=1,
                            headers={"Connection": "close"}).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("server did not start")


def _stream(url: str, out: dict, first_chunk: threading.Event) -> None:
    lines = []
    try:
        with requests.get(url, stream=True, timeout=30, headers={"Connection": "close"}) as resp:
            for raw in resp.iter_lines():
                if raw:
                    lines.append(raw.decode())
                    first_chunk.set()
    except requests.RequestException as exc:
        out["error"] = type(exc).__name__
    finally:
        out["lines"] = lines
        out["ended"] = time.time()
        first_chunk.set()


def _run(kind, sqlite_db, tmp_path, shutdown_timeout, chunks, interval):
    make_app(sqlite_db)  # schema ready before the server starts
    mark = tmp_path / "flushed.txt"
    env = gateway_env(sqlite_db, SHUTDOWN_TIMEOUT=str(shutdown_timeout), RATE_LIMIT_DISABLED="true",
                      ONEAPI_TEST_SHUTDOWN_MARK=str(mark))
    port = free_port()
    proc = _start(kind, env, port, tmp_path / "server.log")
    out: dict = {}
    first = threading.Event()
    reader = threading.Thread(target=_stream, args=(
        f"http://127.0.0.1:{port}/_test/slow?chunks={chunks}&interval={interval}", out, first))
    try:
        reader.start()
        assert first.wait(10), "the stream never started"
        sent = time.time()
        os.killpg(proc.pid, signal.SIGTERM)
        time.sleep(1.0)  # the server has stopped accepting by now
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/api/status", timeout=2)
        proc.wait(shutdown_timeout + 15)
        exited = time.time()
        reader.join(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    log = (tmp_path / "server.log").read_text(errors="replace")
    flushed = [float(line.split()[1]) for line in mark.read_text().splitlines()] if mark.exists() else []
    return out, sent, exited, flushed, log


@pytest.mark.parametrize("kind", ["gunicorn", "app.py"])
def test_sigterm_lets_the_stream_finish_then_flushes(kind, sqlite_db, tmp_path):
    out, sent, exited, flushed, log = _run(kind, sqlite_db, tmp_path, shutdown_timeout=20, chunks=5,
                                           interval=0.4)
    assert "error" not in out, log[-3000:]
    assert out["lines"] == [f"data: {i}" for i in range(5)] + ["data: [DONE]"]
    assert out["ended"] - sent >= 1.2  # the stream really was still going when SIGTERM arrived
    assert len(flushed) == 1, log[-3000:]  # lifecycle hooks ran exactly once...
    assert flushed[0] >= out["ended"] - 0.5  # ...after the in-flight stream was done
    assert exited - sent < 15


@pytest.mark.parametrize("kind", ["gunicorn", "app.py"])
def test_shutdown_timeout_bounds_the_wait(kind, sqlite_db, tmp_path):
    out, sent, exited, flushed, log = _run(kind, sqlite_db, tmp_path, shutdown_timeout=1, chunks=60,
                                           interval=0.5)
    assert len(out["lines"]) < 61  # cut before its end
    assert exited - sent < 1 + 5
    assert len(flushed) == 1, log[-3000:]  # hooks still ran
