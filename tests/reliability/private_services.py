"""Private PostgreSQL and Redis servers that a test may stop and start at will.

The machine's shared servers (PostgreSQL 5432, Redis 6379) serve other test suites and must never be stopped,
so outage tests start their own on free ports from the Debian binaries, in a throw-away directory. Missing
binaries skip the test with the reason (fail under ONEAPI_REQUIRE_ALL_DBS=1).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

from tests.support import dbs
from tests.support.server import free_port


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PrivatePostgres:
    """A PostgreSQL cluster in a temp dir, trusting local connections as user ``postgres``.

    As root the server runs as the ``postgres`` system user (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not self.initdb or not self.pg_ctl:
            dbs.unavailable("PostgreSQL server binaries (initdb, pg_ctl) not installed")
        self.owner = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                dbs.unavailable("running as root without a 'postgres' system user to run a private PostgreSQL")
        self.dir = tempfile.mkdtemp(prefix="oneapi-rel-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        if self.owner:
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        self._run([self.initdb, "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])

    def _run(self, argv: list[str], timeout: float = 60) -> None:
        if self.owner:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        subprocess.run(argv, check=True, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> "PrivatePostgres":
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=60")
        self._run([self.pg_ctl, "-D", self.data, "-o", options, "-l", os.path.join(self.dir, "server.log"),
                   "-w", "-t", "30", "start"])
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (as a restart does); ``immediate`` is a crash."""
        self._run([self.pg_ctl, "-D", self.data, "-m", mode, "-w", "-t", "30", "stop"])

    def connect(self, dbname: str = "postgres"):
        import psycopg2
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, connect_timeout=3)
        return conn

    def create_database(self, name: str) -> None:
        conn = self.connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
        conn.close()

    def dsn(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}?sslmode=disable"

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except Exception:  # noqa: BLE001 - already stopped
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A redis-server without persistence on a free port."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if not self.binary:
            dbs.unavailable("redis-server not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "PrivateRedis":
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
