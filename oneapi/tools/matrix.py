"""The cross-format regression matrix against a running gateway.

    python -m oneapi.tools.matrix --base-url http://127.0.0.1:3000 --token sk-... \
        [--models gpt-4o-mini,claude-haiku-4-5] [--variants chat,claude_tools_stream_true] [--json]

Sends the 26 variants (13 request shapes in Chat Completions, Responses and Claude Messages, each streamed and
not) to every model and prints the reference harness's table: rows are variants, columns models, cells
``PASS 1.23s`` / ``PASS* 1.23s`` / ``SKIP`` / ``FAIL <reason>``. Exit code 1 when any cell failed.
Only ``requests`` is used, so it runs from any machine that can reach the gateway.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import requests

from oneapi.tools.matrix_answers import READERS, Answer, Broken, iter_sse
from oneapi.tools.matrix_judge import Variant, judge, select

DEFAULT_MODELS = ["gpt-4o-mini", "gpt-5-mini", "claude-haiku-4-5", "gemini-2.5-flash", "openai/gpt-oss-20b",
                  "deepseek-chat", "grok-4-1-fast-non-reasoning", "azure-gpt-5-nano"]
NO_VISION = ["deepseek-chat", "openai/gpt-oss-20b"]
USER_AGENT = "oneapi-matrix/1.0"
MAX_BODY = 1 << 20
TRIES, FIRST_BACKOFF, MAX_BACKOFF = 3, 0.25, 2.0
_UNSUPPORTED = {
    "response": ("unknown field `messages`", "does not support responses", "response api is not available"),
    "chat": ("only supports response", "chat completions unsupported"),
    "claude": ("does not support claude", "claude messages unsupported"),
}
_UNSUPPORTED_STREAM = ("streaming is not supported", "stream parameter is not supported", "stream currently disabled")
_NO_CHANNEL = ("no available channels", "无可用渠道")


@dataclass
class Result:
    model: str
    variant: str          # key, e.g. chat_tools_stream_true
    header: str
    status: str           # PASS | PASS* | FAIL | SKIP
    reason: str = ""
    seconds: float = 0.0
    http_status: int = 0
    attempts: int = 0
    warnings: list[str] = field(default_factory=list)
    answer: Answer | None = None

    def cell(self) -> str:
        if self.status in ("PASS", "PASS*"):
            return f"{self.status} {self.seconds:.2f}s"
        if self.status == "SKIP":
            return "SKIP"
        return f"FAIL {_short(self.reason)}"


def _short(text: str, limit: int = 32) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class _Outcome(Exception):
    def __init__(self, status: str, reason: str, http_status: int = 0):
        super().__init__(reason)
        self.status, self.reason, self.http_status = status, reason, http_status


@dataclass
class Runner:
    base_url: str
    token: str
    timeout: float = 120.0
    no_vision: tuple = tuple(NO_VISION)
    session: requests.Session = field(default_factory=requests.Session)

    def headers(self) -> dict:
        return {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}",
                "User-Agent": USER_AGENT}

    # ---- one cell ---------------------------------------------------------------------------------------

    def run_cell(self, model: str, variant: Variant) -> Result:
        result = Result(model, variant.key, variant.header, "FAIL")
        if variant.kind == "vision" and model in self.no_vision:
            result.status, result.reason = "SKIP", f"vision input unsupported by model {model}"
            return result
        started = time.monotonic()
        soft, last_fail = None, None
        for number, body in enumerate(variant.attempts(model), 1):
            result.attempts = number
            try:
                answer, status = self._send(variant, body)
            except _Outcome as outcome:
                result.http_status = outcome.http_status
                if outcome.status == "SKIP":
                    result.status, result.reason = "SKIP", outcome.reason
                    break
                last_fail = outcome.reason
                result.warnings.append(f"attempt {number}: {outcome.reason}")
                continue
            result.http_status, result.answer = status, answer
            verdict = judge(variant, body, answer)
            if verdict.outcome == "pass":
                earlier = result.warnings[:]
                result.status = "PASS*" if earlier else "PASS"
                result.reason = "; ".join(earlier)
                break
            result.warnings.append(f"attempt {number}: {verdict.reason}")
            if verdict.outcome == "soft":
                soft = verdict.reason
            else:
                last_fail = verdict.reason
        else:
            if soft is not None:
                result.status, result.reason = "PASS*", soft
            else:
                result.status, result.reason = "FAIL", last_fail or "no attempt passed"
        result.seconds = time.monotonic() - started
        return result

    def _send(self, variant: Variant, body: dict) -> tuple[Answer, int]:
        """POST with transient retries; the parsed answer, or _Outcome(FAIL|SKIP)."""
        delay, outcome = FIRST_BACKOFF, None
        for attempt in range(TRIES):
            if attempt:
                time.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
            try:
                return self._post_once(variant, body)
            except _Outcome as failed:
                outcome = failed
                text = failed.reason.lower()
                transient = (failed.http_status == 0 or failed.http_status >= 500 or "timeout" in text
                             or "temporarily" in text)
                if failed.status == "SKIP" or not transient:
                    raise
        if outcome.http_status in (502, 503, 504) or re.search(r'"(type|code)":\s*"server_error"', outcome.reason):
            raise _Outcome("SKIP", outcome.reason, outcome.http_status)
        raise outcome

    def _post_once(self, variant: Variant, body: dict) -> tuple[Answer, int]:
        url = self.base_url.rstrip("/") + variant.path
        try:
            resp = self.session.post(url, json=body, headers=self.headers(), timeout=self.timeout,
                                     stream=variant.stream)
        except requests.RequestException as exc:
            raise _Outcome("FAIL", f"network error: {type(exc).__name__}") from exc
        with resp:
            if resp.status_code // 100 != 2:
                text = resp.content[:MAX_BODY].decode("utf-8", "replace")
                self._raise_unsupported(variant, resp.status_code, text)
                raise _Outcome("FAIL", f"status {resp.status_code}: {text[:300]}", resp.status_code)
            reader_body, reader_stream = READERS[variant.family]
            try:
                if variant.stream:
                    if not resp.headers.get("Content-Type", "").startswith("text/event-stream"):
                        raise Broken(f"stream answered as {resp.headers.get('Content-Type')}")
                    lines = resp.iter_lines(decode_unicode=True)
                    events = list(iter_sse(lines))
                    if not events:
                        raise Broken("empty stream")
                    if [d.strip() for _, d in events] == ["[DONE]"]:
                        self._raise_unsupported(variant, resp.status_code, "stream currently disabled")
                    return reader_stream(events), resp.status_code
                try:
                    parsed = resp.json()
                except ValueError:
                    raise Broken("body is not JSON") from None
                return reader_body(parsed), resp.status_code
            except (requests.RequestException, ValueError) as exc:
                raise _Outcome("FAIL", f"read error: {type(exc).__name__}", resp.status_code) from exc
            except Broken as broken:
                raise _Outcome("FAIL", str(broken), resp.status_code) from None

    @staticmethod
    def _raise_unsupported(variant: Variant, status: int, text: str) -> None:
        low = text.lower()
        markers = _UNSUPPORTED[variant.family] + _NO_CHANNEL + (_UNSUPPORTED_STREAM if variant.stream else ())
        if status in (404, 405) or any(m in low for m in markers):
            raise _Outcome("SKIP", f"unsupported: status {status}: {text[:200]}", status)

    # ---- the whole matrix -------------------------------------------------------------------------------

    def run(self, models: list[str], variants: list[Variant], concurrency: int = 16) -> list[Result]:
        cells = [(m, v) for m in models for v in variants]
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            return list(pool.map(lambda cell: self.run_cell(*cell), cells))


# ---- the report -------------------------------------------------------------------------------------------

def report(results: list[Result], models: list[str], variants: list[Variant], when: datetime | None = None) -> str:
    when = when or datetime.now(timezone.utc)
    by_cell = {(r.model, r.variant): r for r in results}
    rows = [["Variant", *models]]
    for v in variants:
        rows.append([v.header, *[by_cell[(m, v.key)].cell() if (m, v.key) in by_cell else "" for m in models]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"=== One-API Compatibility Matrix {when.replace(microsecond=0).isoformat().replace('+00:00', 'Z')} ===",
             ""]
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    passed = sum(r.status.startswith("PASS") for r in results)
    failed = sum(r.status == "FAIL" for r in results)
    skipped = sum(r.status == "SKIP" for r in results)
    lines += ["", "Totals  | Requests | Passed | Failed | Skipped",
              f"        | {len(results):<8} | {passed:<6} | {failed:<6} | {skipped}"]
    for title, status in (("Failures:", "FAIL"), ("Warnings (passed with caveats):", "PASS*"),
                          ("Skipped (unsupported combinations):", "SKIP")):
        chosen = [r for r in results if r.status == status]
        if chosen:
            lines += ["", title] + [f"- {r.model} - {r.header} -> {' '.join(r.reason.split())}" for r in chosen]
    return "\n".join(lines) + "\n"


def as_json(results: list[Result]) -> str:
    rows = []
    for r in results:
        row = asdict(r)
        row.pop("answer")
        rows.append(row)
    return json.dumps(rows, ensure_ascii=False, indent=2)


def _split(text: str) -> list[str]:
    return [t for t in re.split(r"[,;\s]+", text or "") if t]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m oneapi.tools.matrix", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="the gateway, e.g. http://127.0.0.1:3000")
    parser.add_argument("--token", required=True, help="a gateway API key (sk-...)")
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated model columns")
    parser.add_argument("--variants", default="", help="variant keys, stems, headers or groups (chat/response/claude)")
    parser.add_argument("--no-vision", default=",".join(NO_VISION), help="models whose vision cells are skipped")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the table")
    args = parser.parse_args(argv)
    try:
        variants = select(_split(args.variants))
    except ValueError as exc:
        parser.error(str(exc))
    models = _split(args.models)
    runner = Runner(args.base_url, args.token, timeout=args.timeout, no_vision=tuple(_split(args.no_vision)))
    results = runner.run(models, variants, args.concurrency)
    print(as_json(results) if args.json else report(results, models, variants), end="" if not args.json else "\n")
    return 1 if any(r.status == "FAIL" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
