"""A tiny programmable OpenAI-style upstream for relay tests (threaded werkzeug server on 127.0.0.1).

Each channel points at ``stub.base(name)`` (= ``http://127.0.0.1:PORT/ch/<name>``); ``stub.behave(name, mode)``
chooses how that "provider" answers: ok, fail500, rate429, auth401, bad400, credit (fatal 403), cut, slow.
Requests are recorded with their path, headers and body; streams record whether the client went away early.
"""
from __future__ import annotations

import json
import threading
import time

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

WORDS = ["Hello", " from", " the", " stub", " upstream", "."]


class StubUpstream:
    def __init__(self) -> None:
        self.modes: dict[str, str] = {}
        self.records: list[dict] = []
        self.stream_log: list[dict] = []
        self.events = 6
        self.event_delay = 0.0
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def base(self, name: str) -> str:
        return f"{self.url}/ch/{name}"

    def behave(self, name: str, mode: str) -> None:
        self.modes[name] = mode

    def reset(self) -> None:
        self.modes.clear()
        self.records.clear()
        self.stream_log.clear()
        self.events, self.event_delay = 6, 0.0

    def hits(self, name: str | None = None) -> list[dict]:
        return [r for r in self.records if name is None or r["channel"] == name]

    def stop(self) -> None:
        self._server.shutdown()

    # ---- WSGI -------------------------------------------------------------------------------------------

    def _app(self, environ, start_response):
        req = Request(environ)
        parts = req.path.split("/", 3)  # "", "ch", name, rest
        name, path = (parts[2], "/" + parts[3]) if len(parts) > 3 and parts[1] == "ch" else ("", req.path)
        raw = req.get_data()
        body = None
        if raw[:1] == b"{":
            try:
                body = json.loads(raw)
            except ValueError:
                pass
        record = {"channel": name, "path": path, "method": req.method, "query": dict(req.args),
                  "headers": {k.lower(): v for k, v in req.headers.items()}, "json": body, "raw": raw,
                  "form": dict(req.form) if req.mimetype.startswith("multipart/") else {},
                  "files": {k: f.filename for k, f in req.files.items()}}
        with self._lock:
            self.records.append(record)
        return self._answer(name, path, body or {}, record)(environ, start_response)

    def _error(self, status: int, message: str, type_: str, code=None, param=None) -> Response:
        headers = {"Retry-After": "1"} if status == 429 else {}
        return Response(json.dumps({"error": {"message": message, "type": type_, "param": param, "code": code}}),
                        status=status, mimetype="application/json", headers=headers)

    def _answer(self, name: str, path: str, body: dict, record: dict) -> Response:
        mode = self.modes.get(name, "ok")
        if mode == "fail500":
            return self._error(500, "The server had an error while processing your request.", "server_error")
        if mode == "rate429":
            return self._error(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded")
        if mode == "auth401":
            return self._error(401, "Incorrect API key provided: bad***key.", "invalid_request_error",
                               "invalid_api_key")
        if mode == "credit":
            return self._error(403, "Your credit balance is too low to access the API.", "invalid_request_error")
        if mode == "bad400":
            return self._error(400, "Invalid value for 'temperature'.", "invalid_request_error", param="temperature")
        if mode == "slow":
            time.sleep(1.5)
        model = body.get("model") or record["form"].get("model") or ""
        if path.endswith("/chat/completions") or path.endswith("/completions") and "chat" in path:
            return self._chat(name, body, model, mode)
        if path.endswith("/completions"):
            return self._json({"id": "cmpl-1", "object": "text_completion", "model": model,
                               "choices": [{"text": "stub", "index": 0, "finish_reason": "stop"}],
                               "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}})
        if path.endswith("/embeddings"):
            return self._json({"object": "list", "model": model,
                               "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
                               "usage": {"prompt_tokens": 4, "total_tokens": 4}})
        if path.endswith("/moderations"):
            return self._json({"id": "modr-1", "model": model, "results": [{"flagged": False}]})
        if path.endswith("/images/generations") or path.endswith("/images/edits"):
            return self._json({"created": 1, "data": [{"url": f"https://img.example/{model}.png"}]})
        if path.endswith("/audio/transcriptions") or path.endswith("/audio/translations"):
            return self._json({"text": f"transcript of {record['files'].get('file', '?')} by {model}"})
        if path.endswith("/audio/speech"):
            return Response(b"ID3" + b"\x00\x01" * 2000, mimetype="audio/mpeg")
        if path.endswith("/rerank"):
            return self._json({"results": [{"index": 0, "relevance_score": 0.9}],
                               "usage": {"prompt_tokens": 5, "total_tokens": 5}})
        if "/responses" in path:
            return self._json({"id": "resp_1", "object": "response", "status": "completed", "model": model,
                               "output": [], "usage": {"input_tokens": 2, "output_tokens": 1, "total_tokens": 3}})
        return self._json({"ok": True, "path": path})

    def _json(self, obj: dict) -> Response:
        return Response(json.dumps(obj), mimetype="application/json")

    def _chat(self, name: str, body: dict, model: str, mode: str) -> Response:
        usage = {"prompt_tokens": 11, "completion_tokens": len(WORDS), "total_tokens": 11 + len(WORDS)}
        if not body.get("stream"):
            return self._json({"id": "chatcmpl-stub", "object": "chat.completion", "created": 1, "model": model,
                               "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(WORDS)},
                                            "finish_reason": "stop"}], "usage": usage})
        include_usage = (body.get("stream_options") or {}).get("include_usage")
        log = {"channel": name, "sent": 0, "closed_early": False, "finished": False}
        self.stream_log.append(log)
        count, delay = self.events, self.event_delay

        def events():
            try:
                base = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 1, "model": model}
                for i in range(count):
                    if mode == "cut" and i == 2:
                        raise ConnectionAbortedError("cut")  # werkzeug drops the connection mid-body
                    delta = {"content": WORDS[i % len(WORDS)]}
                    yield ("data: " + json.dumps({**base, "choices": [{"index": 0, "delta": delta,
                                                                       "finish_reason": None}]}) + "\n\n").encode()
                    log["sent"] = i + 1
                    if delay:
                        time.sleep(delay)
                yield ("data: " + json.dumps({**base, "choices": [{"index": 0, "delta": {},
                                                                   "finish_reason": "stop"}]}) + "\n\n").encode()
                if include_usage:
                    yield ("data: " + json.dumps({**base, "choices": [], "usage": usage}) + "\n\n").encode()
                yield b"data: [DONE]\n\n"
                log["finished"] = True
            except GeneratorExit:
                log["closed_early"] = True
                raise

        return Response(events(), mimetype="text/event-stream", direct_passthrough=True)
