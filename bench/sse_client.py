"""SSE load client (run as its own process by bench/run.py): argv = url key concurrency total.

Each stream's chunks carry the upstream's clock ("t"); the delay of a chunk is its arrival time minus that stamp.
Prints one JSON line: streams/s, time to first token and per-chunk delay percentiles, errors, chunks held back.
"""
from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import gevent.pool  # noqa: E402
import requests  # noqa: E402
from requests.adapters import HTTPAdapter  # noqa: E402

HELD_BACK_MS = 250.0  # a chunk this late was buffered somewhere, not merely queued
EXPECTED_CHUNKS = 20

url, key, concurrency, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
session = requests.Session()
session.trust_env = False
session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=concurrency * 2))
headers = {"Content-Type": "application/json"}
if key:
    headers["Authorization"] = f"Bearer {key}"
body = json.dumps({"model": "bench-stream", "stream": True, "max_tokens": 64,
                   "messages": [{"role": "user", "content": "Count."}]})
ttft, delays, errors, held_back = [], [], [], 0


def one() -> None:
    global held_back
    sent = time.time()
    try:
        r = session.post(url, data=body, headers=headers, stream=True, timeout=60)
        if r.status_code != 200:
            errors.append(f"status {r.status_code}")
            r.close()
            return
        buf, chunks, first, done = b"", 0, None, False
        while not done:
            data = r.raw.read1(65536)
            if not data:
                break
            now = time.time()
            buf += data
            while b"\n\n" in buf:
                event, buf = buf.split(b"\n\n", 1)
                for line in event.split(b"\n"):
                    if not line.startswith(b"data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == b"[DONE]":
                        done = True
                        continue
                    obj = json.loads(payload)
                    if obj.get("choices") and obj["choices"][0].get("delta", {}).get("content"):
                        chunks += 1
                        if first is None:
                            first = now
                            ttft.append((now - sent) * 1000)
                        if "t" in obj:
                            delay = now * 1000 - float(obj["t"]) * 1000
                            delays.append(delay)
                            if delay > HELD_BACK_MS:
                                held_back += 1
        r.close()
        if not done or chunks != EXPECTED_CHUNKS:
            errors.append(f"incomplete: {chunks} chunks, done={done}")
    except Exception as exc:  # noqa: BLE001 - counted, reported
        errors.append(type(exc).__name__)


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


pool = gevent.pool.Pool(concurrency)
started = time.time()
for _ in range(total):
    pool.spawn(one)
pool.join()
elapsed = time.time() - started
print(json.dumps({
    "streams": total, "seconds": round(elapsed, 3), "streams_per_s": round(total / elapsed, 1),
    "ttft_p50_ms": round(pct(ttft, 50), 2), "ttft_p99_ms": round(pct(ttft, 99), 2),
    "chunk_delay_p50_ms": round(pct(delays, 50), 2), "chunk_delay_p99_ms": round(pct(delays, 99), 2),
    "errors": len(errors), "error_kinds": sorted(set(errors))[:5], "held_back": held_back,
}))
