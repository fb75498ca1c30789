"""Run the real gateway under gunicorn with the gevent worker, as production does, for HTTP-level tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import requests

from tests.support.dbs import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GatewayServer:
    def __init__(self, env: dict, workers: int = 1, port: int | None = None, log_path: str | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.workers = workers
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> "GatewayServer":
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SQL_", "REDIS_", "ONEAPI_"))}
        env.update(self.env)
        env["PYTHONPATH"] = str(REPO)
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "wsgi:app"],
            cwd=str(REPO), env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + "/api/status", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gateway did not become ready in time")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
