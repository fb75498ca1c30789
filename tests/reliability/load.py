"""A steady background load of relay requests, each recorded with when it started, how long it took and how it
ended, so a test can judge the phases of an outage afterwards."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests


@dataclass
class Outcome:
    started: float
    elapsed: float
    status: int  # 0: no HTTP answer at all
    request_id: str
    body: str


class Load:
    def __init__(self, url: str, key: str, model: str, concurrency: int = 4, timeout: float = 30,
                 stream_every: int = 0, pause: float = 0.02) -> None:
        self.url, self.key, self.model = url, key, model
        self.concurrency, self.timeout, self.stream_every, self.pause = concurrency, timeout, stream_every, pause
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _one(self, n: int) -> Outcome:
        stream = bool(self.stream_every) and n % self.stream_every == 0
        body = {"model": self.model, "stream": stream, "messages": [{"role": "user", "content": f"request {n}"}]}
        started = time.time()
        try:
            resp = requests.post(self.url + "/v1/chat/completions", json=body, timeout=self.timeout,
                                 headers={"Authorization": f"Bearer sk-{self.key}"})
            return Outcome(started, time.time() - started, resp.status_code,
                           resp.headers.get("X-Oneapi-Request-Id", ""), resp.text)
        except requests.RequestException as exc:
            return Outcome(started, time.time() - started, 0, "", f"{type(exc).__name__}: {exc}")

    def _worker(self, index: int) -> None:
        n = index
        while not self._stop.is_set():
            outcome = self._one(n)
            with self._lock:
                self.outcomes.append(outcome)
            n += self.concurrency
            self._stop.wait(self.pause)  # fast failures must not turn the load into a busy loop

    def start(self) -> "Load":
        for i in range(self.concurrency):
            t = threading.Thread(target=self._worker, args=(i,), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)
        return sorted(self.outcomes, key=lambda o: o.started)

    def between(self, start: float, end: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if start <= o.started and o.started + o.elapsed <= end]

    def since(self, start: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if o.started >= start]
