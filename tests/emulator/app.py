"""The emulator's WSGI application: scenario prefix, recording, auth, routing to protocol modules."""
import itertools
import re
import threading
import time

from werkzeug.wrappers import Request

from . import scenarios
from .auth import check_auth
from .errors import ApiError, error_response
from .recorder import Recorder
from .wire import json_response

ROUTES = []  # (method, compiled pattern, family, handler)


def route(method, pattern, family):
    """Register a handler `fn(ctx, **path_groups)` for one family: openai, azure, anthropic, gemini, emu.

    `family` may be a callable(request) -> family name for paths several providers share.
    """
    def register(fn):
        ROUTES.append((method, re.compile("^" + pattern + "$"), family, fn))
        return fn
    return register


class Context:
    """Everything a handler needs about one request."""

    def __init__(self, app, request, scenario, api_path, record, family):
        self.app, self.request, self.scenario = app, request, scenario
        self.api_path, self.record, self.family = api_path, record, family
        self.sleep = sleeper_for(request)

    @property
    def json(self):
        data = self.record.get("json")
        if not isinstance(data, dict):
            raise ApiError(400, "bad_request", "We could not parse the JSON body of your request.")
        return data

    @property
    def base_url(self):
        return self.request.host_url.rstrip("/")

    def new_id(self, prefix, sep="_"):
        return self.app.new_id(prefix, sep)

    def note_reply(self, reply):
        self.record["reply"] = reply.summary() if hasattr(reply, "summary") else reply


def sleeper_for(request):
    """gevent.sleep under gevent.pywsgi (time.sleep would freeze every connection), else time.sleep."""
    if "gevent" in request.environ.get("SERVER_SOFTWARE", "").lower():
        import gevent
        return gevent.sleep
    return time.sleep


class EmulatorApp:
    def __init__(self):
        self.recorder = Recorder()
        self.responses_store = {}       # OpenAI Responses API: id -> stored response
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._spec_hits = {}            # scenario spec -> requests seen (for failfirst)

    def reset(self):
        """Forget recorded requests, stored responses and failfirst counters."""
        self.recorder.clear()
        self.responses_store.clear()
        with self._lock:
            self._spec_hits.clear()

    def new_id(self, prefix, sep="_"):
        with self._lock:
            n = next(self._counter)
        return f"{prefix}{sep}emu{n:021d}"

    def _fails_now(self, scenario):
        """`failfirst=N` with an error scenario: the first N requests with this spec fail, later ones pass."""
        with self._lock:
            seen = self._spec_hits.get(scenario.spec, 0) + 1
            self._spec_hits[scenario.spec] = seen
        return seen <= scenario.int_param("failfirst", 1)

    def __call__(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request):
        spec, api_path = scenarios.split_prefix(request.path)
        match = _match(request.method, api_path)
        if match and match[0] and match[1] == "emu":
            return match[2](self, request, **match[3])
        scenario = scenarios.scenario_from_request(spec, request.headers)
        record = self.recorder.record(request, api_path, scenario.spec)
        response = self._respond(request, scenario, api_path, record, match)
        record["status"] = response.status_code
        return response

    def _respond(self, request, scenario, api_path, record, match):
        if scenario.slow_ms:
            sleeper_for(request)(scenario.slow_ms / 1000)
        if match is None:
            return error_response(_family_for_path(api_path), 404, "not_found",
                                  f"Invalid URL ({request.method} {api_path})")
        method_ok, family, handler, groups = match
        if callable(family):  # shared paths (GET /v1/models) pick the protocol from the request's headers
            family = family(request)
        if not method_ok:
            return error_response(family, 405, "bad_request", f"Method {request.method} not allowed for {api_path}")
        ctx = Context(self, request, scenario, api_path, record, family)
        try:
            check_auth(ctx)
            failure = scenario.error()
            if failure and scenario.has("failfirst") and not self._fails_now(scenario):
                failure = None
            if failure:
                status, kind, retry_after = failure
                return error_response(family, status, kind, retry_after=retry_after)
            return handler(ctx, **groups)
        except ApiError as err:
            return error_response(family, err.status, err.kind, err.message, param=err.param, code=err.code)


def _match(method, path):
    """(method allowed, family, handler, groups) of the first route matching `path`, else None."""
    path_hit = None
    for route_method, pattern, family, handler in ROUTES:
        found = pattern.match(path)
        if not found:
            continue
        if route_method == method or (route_method == "GET" and method == "HEAD"):
            return True, family, handler, found.groupdict()
        path_hit = path_hit or (False, family, handler, {})
    return path_hit


def _family_for_path(path):
    if path.startswith("/v1beta") or path.startswith("/v1/models/") and ":" in path:
        return "gemini"
    if path.startswith("/v1/messages"):
        return "anthropic"
    return "openai"


# ---- control endpoints (never recorded, never need auth) -------------------------------------------

@route("GET", r"/_emu/requests", "emu")
def _list_requests(app, request):
    return json_response(app.recorder.items())


@route("DELETE", r"/_emu/requests", "emu")
def _clear_requests(app, request):
    app.reset()
    return json_response({"cleared": True})


@route("GET", r"/_emu/health", "emu")
def _health(app, request):
    return json_response({"ok": True})


def create_app():
    """A fresh emulator with its own recorder and stores; importing the protocol modules registers routes."""
    from . import protocols  # noqa: F401  (route registration)
    from . import bedrock, vertex  # noqa: F401  (cloud platforms: SigV4-checked Bedrock, Vertex AI with OAuth)
    return EmulatorApp()
