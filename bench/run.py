"""Benchmark: the gateway against a direct call to the same fake upstream, in one interleaved run.

    python -m bench.run [--db sqlite|postgres] [--duration 10] [--scenarios json1,json16,...] [--out report.md]

Set-up (one machine, two cores): the gateway runs one gunicorn gevent worker pinned to core 0; the fake upstream
(nginx + echo module) and the load generators (wrk for JSON, a gevent SSE client for streams) run on core 1.
Realistic mode only: tokens are checked, quota is reserved and settled, log and cost rows are written. Results are
reported as added latency (gateway minus direct, per percentile), throughput, time to first token, per-chunk delay
and worker RSS. After the run the ledger is checked: the sum of the consume log rows equals the token's used quota.
Needs Debian's nginx, libnginx-mod-http-echo and wrk (`scripts/install-bench-tools`).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import requests

REPO = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
CHAT_BODY = {"model": "bench-json", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 32}
CLAUDE_BODY = {"model": "bench-json", "max_tokens": 32, "messages": [{"role": "user", "content": "Say hello."}]}
STREAM_CHUNKS = 20


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def taskset(core: int | None) -> list[str]:
    if core is None or not shutil.which("taskset") or (os.cpu_count() or 1) < 2:
        return []
    return ["taskset", "-c", str(core)]


# ---- the fake upstream ----------------------------------------------------------------------------------------

def stream_body() -> str:
    lines = []
    for i in range(STREAM_CHUNKS):
        chunk = ('{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench",'
                 '"choices":[{"index":0,"delta":{%s"content":"tok%d "},"finish_reason":null}],"t":$msec}'
                 % ('"role":"assistant",' if i == 0 else "", i))
        lines.append(f"            echo 'data: {chunk}';\n            echo '';\n            echo_flush;")
        lines.append("            echo_sleep 0.01;")
    final = ('{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench",'
             '"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"t":$msec}')
    usage = ('{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench",'
             '"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":%d,"total_tokens":%d},"t":$msec}'
             % (STREAM_CHUNKS, STREAM_CHUNKS + 12))
    for data in (final, usage):
        lines.append(f"            echo 'data: {data}';\n            echo '';")
    lines.append("            echo 'data: [DONE]';\n            echo '';")
    return "\n".join(lines)


class Upstream:
    def __init__(self, workdir: pathlib.Path):
        self.port = free_port()
        self.prefix = workdir / "nginx"
        self.proc = None

    def start(self) -> "Upstream":
        self.prefix.mkdir(parents=True, exist_ok=True)
        conf = (HERE / "nginx_upstream.conf.template").read_text()
        conf = conf.replace("__PREFIX__", str(self.prefix)).replace("__PORT__", str(self.port))
        conf = conf.replace("__STREAM_BODY__", stream_body())
        (self.prefix / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(taskset(1) + ["nginx", "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_http(f"http://127.0.0.1:{self.port}/json/v1/chat/completions", method="POST")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def wait_http(url: str, method: str = "GET", timeout: float = 20.0) -> float:
    started = time.time()
    while time.time() - started < timeout:
        try:
            requests.request(method, url, json={} if method == "POST" else None, timeout=1)
            return time.time() - started
        except requests.RequestException:
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


# ---- the gateway ------------------------------------------------------------------------------------------------

class Database:
    def __init__(self, kind: str, workdir: pathlib.Path):
        self.kind = kind
        self.name = f"oneapi_bench_{uuid.uuid4().hex[:8]}"
        self.sqlite_path = str(workdir / "bench.db")

    def env(self) -> dict:
        if self.kind == "postgres":
            return {"SQL_DSN": f"postgres://postgres@127.0.0.1:5432/{self.name}?sslmode=disable"}
        return {"SQL_DSN": "", "SQLITE_PATH": self.sqlite_path}

    def create(self) -> None:
        if self.kind == "postgres":
            self._pg(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.kind == "postgres":
            self._pg(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @staticmethod
    def _pg(sql: str) -> None:
        import psycopg2
        conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute(sql)
        conn.close()


class Gateway:
    ACCESS_TOKEN = "benchbenchbenchbenchbenchbench00"

    def __init__(self, db: Database, workdir: pathlib.Path, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = db
        self.log = workdir / "gateway.log"
        self.extra_env = extra_env or {}
        self.proc = None
        self.cold_start = 0.0

    def start(self) -> "Gateway":
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SQL_", "REDIS_"))}
        env.update(self.db.env())
        env.update({
            "PYTHONPATH": str(REPO), "INITIAL_ROOT_ACCESS_TOKEN": self.ACCESS_TOKEN, "SESSION_SECRET": "bench",
            "MEMORY_CACHE_ENABLED": "true", "SYNC_FREQUENCY": "60",
            # rate limiting stays on (realistic), with limits far above what the benchmark sends
            "GLOBAL_RELAY_RATE_LIMIT": "1000000000", "GLOBAL_API_RATE_LIMIT": "1000000000",
        })
        env.update(self.extra_env)
        started = self.started = time.time()
        self.proc = subprocess.Popen(
            taskset(0) + [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
                          f"127.0.0.1:{self.port}", "--workers", "1", "wsgi:app"],
            cwd=str(REPO), env=env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_http(self.url + "/api/status", timeout=60)
        self.cold_start = time.time() - started
        return self

    def restart_to_first_completion(self, key: str) -> float:
        """Stop, start again on the same database, and time until a chat completion is answered (200)."""
        self.stop()
        started = time.time()
        self.start()
        while time.time() - started < 60:
            try:
                r = requests.post(self.url + "/v1/chat/completions", json=CHAT_BODY, timeout=10,
                                  headers={"Authorization": f"Bearer {key}"})
                if r.status_code == 200:
                    return time.time() - started
            except requests.RequestException:
                pass
            time.sleep(0.02)
        raise RuntimeError("no chat completion within 60 s of a restart")

    def worker_pid(self) -> int | None:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
        return int(out[0]) if out else None

    def rss_mb(self) -> float:
        pid = self.worker_pid()
        if not pid:
            return 0.0
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self) -> float:
        """User + system CPU the worker has used so far."""
        pid = self.worker_pid()
        if not pid:
            return 0.0
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def api(self, method: str, path: str, **kw):
        r = requests.request(method, self.url + path, headers={"Authorization": self.ACCESS_TOKEN}, timeout=10, **kw)
        body = r.json()
        if not body.get("success", False):
            raise RuntimeError(f"{method} {path}: {body}")
        return body.get("data")

    def provision(self, upstream_port: int) -> str:
        for name in ("json", "slow", "stream"):
            self.api("POST", "/api/channel/", json={
                "type": 1, "name": f"bench-{name}", "key": "sk-bench-upstream", "base_url":
                f"http://127.0.0.1:{upstream_port}/{name}", "models": f"bench-{name}", "group": "default"})
        token = self.api("POST", "/api/token/", json={
            "name": "bench", "remain_quota": 10**12, "unlimited_quota": False, "expired_time": -1})
        if not token or not token.get("key"):
            tokens = self.api("GET", "/api/token/?p=0")
            token = next(t for t in tokens if t["name"] == "bench")
        key = token["key"]
        return key if key.startswith("sk-") else "sk-" + key

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


# ---- load: wrk for JSON -------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def wrk(url: str, body: dict, key: str, connections: int, duration: int, workdir: pathlib.Path) -> dict:
    body_file = workdir / f"body-{uuid.uuid4().hex[:6]}.json"
    body_file.write_text(json.dumps(body))
    env = dict(os.environ, BENCH_BODY_FILE=str(body_file), BENCH_KEY=key)
    threads = max(1, min(2, connections))
    out = subprocess.run(taskset(1) + ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                                       "--latency", "--timeout", "10s", "-s", str(HERE / "post.lua"), url],
                         capture_output=True, text=True, env=env, timeout=duration + 60).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "errors": int(re.search(r"Non-2xx or 3xx responses: (\d+)", out).group(1))
              if "Non-2xx" in out else 0,
              "socket_errors": sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        result[f"p{pct}"] = _ms(m.group(1)) if m else float("nan")
    return result


# ---- load: SSE streams --------------------------------------------------------------------------------------

def streams(url: str, key: str, concurrency: int, total: int) -> dict:
    """Run ``total`` streamed requests, ``concurrency`` at a time, in a child process (gevent-patched)."""
    code = (HERE / "sse_client.py").read_text()
    out = subprocess.run(taskset(1) + [sys.executable, "-c", code, url, key, str(concurrency), str(total)],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the ledger check ----------------------------------------------------------------------------------------

def ledger_check(gateway: Gateway, key: str) -> dict:
    time.sleep(1.0)
    bare = key[3:] if key.startswith("sk-") else key
    tokens = gateway.api("GET", "/api/token/?p=0&size=100")
    token = next(t for t in tokens if t["key"].endswith(bare))
    stat = gateway.api("GET", "/api/log/stat?type=2&token_name=bench")
    used = token["used_quota"]
    logged = stat.get("quota", 0) if isinstance(stat, dict) else 0
    return {"token_used_quota": used, "log_quota_sum": logged, "match": used == logged}


# ---- the run ------------------------------------------------------------------------------------------------

WARM_UP_S = 6.0  # after a (re)start: the worker preloads its tokenizer encodings 3 s in
# The production settings the headline figures use (printed with every report).
DEFAULT_ENV: dict = {}  # the shipped defaults (write-behind ledger included); --env overrides
SCENARIOS = ("json1", "json16", "json64", "slow256", "claude16", "stream200", "stream1000")


def profiler(gateway: Gateway, duration: int, out: str | None):
    """py-spy on the worker for ``duration`` seconds (``--profile out``), or None."""
    pid = gateway.worker_pid()
    if not out or not pid:
        return None
    spy = pathlib.Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(taskset(1) + [str(spy), "record", "-p", str(pid), "-f", "raw", "-o", out, "-d",
                                          str(duration), "-r", "200", "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(db_kind: str, duration: int, scenarios: tuple, workdir: pathlib.Path, profile: str | None = None,
        extra_env: dict | None = None) -> dict:
    db = Database(db_kind, workdir)
    db.create()
    upstream = Upstream(workdir).start()
    gateway = Gateway(db, workdir, extra_env).start()
    results: dict = {"db": db_kind, "cold_start_s": round(gateway.cold_start, 2), "env": extra_env or {},
                     "machine": machine()}
    try:
        key = gateway.provision(upstream.port)
        results["cold_start_to_completion_s"] = round(gateway.restart_to_first_completion(key), 2)
        direct = f"http://127.0.0.1:{upstream.port}"
        # warm up: connections, caches, encoders
        wrk(gateway.url + "/v1/chat/completions", CHAT_BODY, key, 4, 2, workdir)
        time.sleep(max(0.0, WARM_UP_S - (time.time() - gateway.started)))  # let start-up jobs settle
        results["rss_idle_mb"] = round(gateway.rss_mb(), 1)
        peak = results["rss_idle_mb"]
        for name in scenarios:
            if name.startswith(("json", "slow", "claude")):
                conc = int(re.sub(r"\D", "", name))
                body = dict(CHAT_BODY)
                path = "/v1/chat/completions"
                upstream_path = "/json/v1/chat/completions"
                if name.startswith("slow"):
                    body["model"], upstream_path = "bench-slow", "/slow/v1/chat/completions"
                if name.startswith("claude"):
                    body, path = dict(CLAUDE_BODY), "/v1/messages"
                d = wrk(direct + upstream_path, body if not name.startswith("claude") else CHAT_BODY, "", conc,
                        duration, workdir)
                spy = profiler(gateway, duration, profile and f"{profile}.{name}.txt")
                cpu = gateway.cpu_seconds()
                gw = wrk(gateway.url + path, body, key, conc, duration, workdir)
                # worker CPU per request: the cost that does not depend on what else the machine runs
                served = gw["rps"] * duration
                gw["cpu_ms_per_req"] = round((gateway.cpu_seconds() - cpu) * 1000 / served, 3) if served else 0
                if spy:
                    spy.wait(30)
                results[name] = {"gateway": gw, "direct": d,
                                 "added_ms": {p: round(gw[p] - d[p], 3) for p in ("p50", "p75", "p90", "p99")}}
            elif name.startswith("stream"):
                conc = int(name[len("stream"):])
                spy = profiler(gateway, 8, profile and f"{profile}.{name}.txt")
                cpu = gateway.cpu_seconds()
                gw = streams(gateway.url + "/v1/chat/completions", key, conc, conc * 3)
                if spy:
                    spy.wait(30)
                gw["cpu_ms_per_stream"] = round((gateway.cpu_seconds() - cpu) * 1000 / (conc * 3), 3)
                d = streams(direct + "/stream/v1/chat/completions", "", conc, conc * 3)
                results[name] = {"gateway": gw, "direct": d}
            peak = max(peak, gateway.rss_mb())
        results["rss_peak_mb"] = round(peak, 1)
        results["ledger"] = ledger_check(gateway, key)
        results["machine"]["loadavg_end"] = os.getloadavg()[0]
    finally:
        gateway.stop()
        upstream.stop()
        db.drop()
        errors = [line for line in gateway.log.read_text(errors="replace").splitlines()
                  if re.match(r"\w[\w.]*(Error|Exception)\b", line) or "/oneapi/" in line]
        if errors:  # the reasons behind failed requests, before the working directory goes
            print("\n".join(["gateway errors (first 20):"] + errors[:20]), file=sys.stderr)
    return results


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    return {"nproc": os.cpu_count(), "cpu": cpu, "loadavg_start": os.getloadavg()[0]}


def report(results: dict) -> str:
    m = results.get("machine", {})
    env = " ".join(f"{k}={v}" for k, v in results.get("env", {}).items()) or "defaults"
    rows = [f"### Realistic mode on {results['db']} (cold start {results['cold_start_s']} s to /api/status, "
            f"{results.get('cold_start_to_completion_s')} s to a first chat completion after a restart; RSS idle "
            f"{results.get('rss_idle_mb')} MB, peak {results.get('rss_peak_mb')} MB)", "",
            f"Machine: {m.get('nproc')} cores, {m.get('cpu')}; load average {m.get('loadavg_start', 0):.2f} at the "
            f"start, {m.get('loadavg_end', 0):.2f} at the end. Gateway settings: {env}.", "",
            "| scenario | gateway req/s | direct req/s | added p50 ms | added p99 ms | worker CPU ms/req | errors |",
            "|---|---|---|---|---|---|---|"]
    for name in SCENARIOS:
        r = results.get(name)
        if not r:
            continue
        if "added_ms" in r:
            rows.append(f"| {name} | {r['gateway']['rps']:.0f} | {r['direct']['rps']:.0f} | "
                        f"{r['added_ms']['p50']:.2f} | {r['added_ms']['p99']:.2f} | "
                        f"{r['gateway'].get('cpu_ms_per_req', 0):.2f} | "
                        f"{r['gateway']['errors'] + r['gateway']['socket_errors']} |")
        else:
            g, d = r["gateway"], r["direct"]
            rows.append(f"| {name} | {g['streams_per_s']:.0f} streams/s | {d['streams_per_s']:.0f} streams/s | "
                        f"TTFT {g['ttft_p50_ms'] - d['ttft_p50_ms']:.1f} | chunk delay p99 "
                        f"{g['chunk_delay_p99_ms']:.1f} (direct {d['chunk_delay_p99_ms']:.1f}) | "
                        f"{g.get('cpu_ms_per_stream', 0):.2f} per stream | "
                        f"{g['errors']} (held back: {g['held_back']}) |")
    ledger = results.get("ledger", {})
    rows.append("")
    rows.append(f"Ledger after the run: token used_quota {ledger.get('token_used_quota')} vs sum of log rows "
                f"{ledger.get('log_quota_sum')}: {'MATCH' if ledger.get('match') else 'MISMATCH'}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--json", action="store_true", help="print raw results as JSON too")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="a gateway setting (repeatable), e.g. --env LEDGER_WRITE_BEHIND=false")
    parser.add_argument("--profile", metavar="PREFIX", help="py-spy the worker during each JSON scenario "
                        "(raw folded stacks in PREFIX.<scenario>.txt)")
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: run scripts/install-bench-tools")
    with tempfile.TemporaryDirectory(prefix="oneapi-bench-") as tmp:
        results = run(args.db, args.duration, tuple(s for s in args.scenarios.split(",") if s), pathlib.Path(tmp),
                      args.profile, dict(DEFAULT_ENV, **dict(e.split("=", 1) for e in args.env)))
    if args.json:
        print(json.dumps(results, indent=2))
    print(report(results))


if __name__ == "__main__":
    main()
