"""The real third-party clients (Claude Code, Codex CLI, OpenCode), installed by scripts/install-client-tools into
.tools/, run headless with a throw-away HOME, telemetry and auto-update off, and every request on 127.0.0.1.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess

import pytest

from tests.support.dbs import REPO

BIN = REPO / ".tools" / "node_modules" / ".bin"
INSTALLER = REPO / "scripts" / "install-client-tools"
_install_tried = False

# Documented switches that stop each client from phoning home (telemetry, error reports, update checks,
# model catalogues, plugin or LSP downloads).
QUIET = {
    "claude": {"DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1",
               "DISABLE_BUG_COMMAND": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
               "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY": "1", "CLAUDE_CODE_DISABLE_AUTO_MEMORY": "1"},
    "codex": {},  # Codex reads its switches from config.toml (check_for_update_on_startup, analytics)
    "opencode": {"OPENCODE_DISABLE_AUTOUPDATE": "1", "OPENCODE_DISABLE_MODELS_FETCH": "1",
                 "OPENCODE_DISABLE_LSP_DOWNLOAD": "1", "OPENCODE_DISABLE_DEFAULT_PLUGINS": "1",
                 "OPENCODE_DISABLE_SHARE": "1", "OPENCODE_DISABLE_CLAUDE_CODE": "1",
                 "OPENCODE_DISABLE_EXTERNAL_SKILLS": "1",
                 "npm_config_offline": "true"},  # OpenCode looks up its plugin package on npm at start
}


def binary(name: str) -> pathlib.Path:
    """The client's executable; installs the clients once per session if needed, else skips with the reason."""
    global _install_tried
    path = BIN / name
    if not path.exists() and not _install_tried:
        _install_tried = True
        if shutil.which("npm") is None:
            pytest.skip("client tools not installed and npm is missing (run scripts/install-client-tools)")
        try:
            subprocess.run([str(INSTALLER)], cwd=REPO, timeout=600, check=False, capture_output=True)
        except subprocess.TimeoutExpired:
            pytest.skip("scripts/install-client-tools timed out (npm registry unreachable?)")
    if not path.exists():
        pytest.skip(f"{name} is not installed in .tools/ (scripts/install-client-tools could not install it; "
                    "no npm or the npm registry is unreachable)")
    return path


def clean_env(client: str, home: pathlib.Path, **extra: str) -> dict:
    """A minimal environment: no proxies or credentials from the caller, a private HOME and XDG dirs."""
    env = {"PATH": os.pathsep.join([str(BIN), "/usr/local/bin", "/usr/bin", "/bin"]), "HOME": str(home),
           "LANG": "C.UTF-8", "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
           "XDG_CACHE_HOME": str(home / ".cache"), "XDG_STATE_HOME": str(home / ".local/state"),
           "NO_PROXY": "127.0.0.1,localhost", "TMPDIR": str(home / "tmp")}
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env.update(QUIET[client])
    env.update(extra)
    return env


_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')
_LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::"}


def run(argv: list, env: dict, cwd: pathlib.Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a client; under strace when available, so ``.remote`` lists every non-loopback address it tried to
    reach (connections and datagrams such as DNS lookups). Without strace ``.remote`` is None."""
    argv = [str(a) for a in argv]
    trace = cwd.parent / f"{cwd.name}.strace"
    traced = _strace_works()
    if traced:
        argv = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", str(trace)] + argv
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    done.remote = None
    if traced:
        found = {a or b for a, b in _ADDRESS.findall(trace.read_text(errors="replace"))}
        done.remote = sorted(found - _LOOPBACK)
    return done


_STRACE: list = []


def _strace_works() -> bool:
    """strace is installed and may trace here (ptrace can be forbidden in containers)."""
    if not _STRACE:
        ok = shutil.which("strace") is not None and subprocess.run(
            ["strace", "-f", "-qq", "-e", "trace=connect", "-o", os.devnull, "true"],
            capture_output=True, timeout=30).returncode == 0
        _STRACE.append(ok)
    return _STRACE[0]


def assert_stays_local(done: subprocess.CompletedProcess) -> None:
    if done.remote is not None:
        assert done.remote == [], f"client contacted non-loopback addresses: {done.remote}"
