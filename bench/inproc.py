"""CPU per relay request inside one process, without gunicorn, wrk or a second core: steadier than the full
benchmark on a busy machine, for comparing changes to the request path.

    python -m bench.inproc [-n 1000] [--rounds 5] [--body chat|claude] [--stub] [--profile out.prof]
                           [--env KEY=VALUE ...]

Builds the application on a new SQLite file with the benchmark's settings, one channel pointing at the fake
nginx upstream (bench.run.Upstream) and a limited token, then sends ``rounds`` times ``n`` chat completions one
after the other straight through the WSGI callable. Reports process CPU (user + system, from getrusage) per
request, split into the relay pipeline proper (``pipeline.relay``) and everything around it (Flask, hooks,
auth, limits), for the round with the least CPU: other load on a shared machine only ever adds to it.
``--stub`` answers at once instead of running the pipeline, which measures everything around it with less noise.
"""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench.run import CHAT_BODY, CLAUDE_BODY, Gateway, Upstream  # noqa: E402

BENCH_ENV = {"MEMORY_CACHE_ENABLED": "true", "SYNC_FREQUENCY": "60", "LEDGER_WRITE_BEHIND": "true",
             "GLOBAL_RELAY_RATE_LIMIT": "1000000000", "GLOBAL_API_RATE_LIMIT": "1000000000",
             "SESSION_SECRET": "bench", "INITIAL_ROOT_ACCESS_TOKEN": Gateway.ACCESS_TOKEN}


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build_app(workdir: pathlib.Path, upstream_port: int, env: dict):
    from oneapi import config, create_app
    cfg = config.load({**BENCH_ENV, "SQLITE_PATH": str(workdir / "bench.db"), **env})
    app = create_app(cfg)
    admin = app.test_client()
    auth = {"Authorization": Gateway.ACCESS_TOKEN}
    admin.post("/api/channel/", headers=auth, json={
        "type": 1, "name": "bench-json", "key": "sk-bench-upstream", "models": "bench-json", "group": "default",
        "base_url": f"http://127.0.0.1:{upstream_port}/json"})
    admin.post("/api/token/", headers=auth, json={
        "name": "bench", "remain_quota": 10**12, "unlimited_quota": False, "expired_time": -1})
    key = admin.get("/api/token/?p=0", headers=auth).get_json()["data"][0]["key"]
    return app, key if key.startswith("sk-") else "sk-" + key


def environ_factory(path: str, body: dict, key: str):
    from werkzeug.test import EnvironBuilder
    raw = json.dumps(body).encode()
    base = EnvironBuilder(path=path, method="POST", data=raw, content_type="application/json",
                          headers={"Authorization": f"Bearer {key}"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()

    def make() -> dict:
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO(raw)
        return environ
    return make


def serve(app, make_environ, n: int) -> list[int]:
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status[:3]))

    for _ in range(n):
        body = app(make_environ(), start_response)
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()
    return statuses


def stub_relay(caller, rr):
    """Instead of the pipeline (``--stub``): the answer it would give, observed as it observes it."""
    from flask import Response

    from oneapi.relay import observe
    response = Response(STUB_ANSWER, mimetype="application/json")
    observe.answered(rr.model, response)
    return response


STUB_ANSWER = (b'{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":'
               b'[{"index":0,"message":{"role":"assistant","content":"Hello! This is a fixed benchmark answer."},'
               b'"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}')


class PipelineTimer:
    """Process CPU spent inside ``pipeline.relay`` (requests are served one at a time)."""

    def __init__(self, stub: bool) -> None:
        from oneapi.relay import pipeline
        self.module, self.inner, self.spent = pipeline, stub_relay if stub else pipeline.relay, 0.0
        pipeline.relay = self

    def __call__(self, *args, **kwargs):
        started = cpu()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.spent += cpu() - started

    def remove(self) -> None:
        self.module.relay = self.inner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="requests per round (after 500 to warm up)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--body", choices=("chat", "claude"), default="chat")
    parser.add_argument("--stub", action="store_true", help="answer without the pipeline: times the rest only")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed requests into FILE")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    path, body = ("/v1/messages", CLAUDE_BODY) if args.body == "claude" else ("/v1/chat/completions", CHAT_BODY)
    with tempfile.TemporaryDirectory(prefix="oneapi-inproc-") as tmp:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tmp  # as gunicorn.conf.py sets it (metrics cost more so)
        upstream = Upstream(pathlib.Path(tmp)).start()
        try:
            app, key = build_app(pathlib.Path(tmp), upstream.port, dict(e.split("=", 1) for e in args.env))
            make_environ = environ_factory(path, body, key)
            warm = serve(app, make_environ, 500)
            assert set(warm) == {200}, f"warm-up statuses: {sorted(set(warm))}"
            timer = PipelineTimer(args.stub)
            profiler = None
            if args.profile:
                import cProfile
                profiler = cProfile.Profile()
                profiler.enable()
            rounds = []
            for _ in range(args.rounds):
                timer.spent, started, wall = 0.0, cpu(), time.perf_counter()
                statuses = serve(app, make_environ, args.n)
                assert set(statuses) == {200}, f"statuses: {sorted(set(statuses))}"
                rounds.append((cpu() - started, timer.spent, time.perf_counter() - wall))
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
            timer.remove()
        finally:
            upstream.stop()
    per = 1000 / args.n
    total, pipeline, wall = min(rounds)
    print(f"{args.rounds} x {args.n} requests to {path}: CPU {total * per:.3f} ms/req = pipeline {pipeline * per:.3f} "
          f"+ outside {(total - pipeline) * per:.3f} (best round; all rounds: "
          f"{' '.join(f'{r[0] * per:.3f}' for r in rounds)}); wall {wall * per:.3f} ms/req")


if __name__ == "__main__":
    main()
