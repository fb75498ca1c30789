"""Scenario selection: a `/s/<spec>` path prefix or `x-emu-*` request headers.

A spec is a comma-separated list of names, some with a value: `fail500,slow=300,chunks=8,delay=10`.
The gateway only sees a channel base URL ending in `/s/<spec>`, so no cooperation from it is needed.
"""
import re
from dataclasses import dataclass, field

PREFIX_RE = re.compile(r"^/s/([^/]+)(/.*)$")

DEFAULT_CHUNKS = 5
DEFAULT_STALL_MS = 60_000

# name -> (HTTP status, abstract error kind); each protocol renders the kind in its own wire shape.
ERROR_SCENARIOS = {
    "fail500": (500, "server_error"),
    "fail502": (502, "bad_gateway"),
    "fail503": (503, "unavailable"),
    "fail504": (504, "timeout"),
    "overloaded": (529, "overloaded"),
    "rate429": (429, "rate_limit"),
    "rate429_noretry": (429, "rate_limit"),
    "auth401": (401, "auth"),
    "forbidden403": (403, "permission"),
    "notfound404": (404, "not_found"),
    "insufficient_quota": (429, "insufficient_quota"),
    "bad400": (400, "bad_request"),
}


@dataclass
class Scenario:
    names: set = field(default_factory=set)
    params: dict = field(default_factory=dict)
    spec: str = ""

    def has(self, name):
        return name in self.names

    def int_param(self, name, default):
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            return default

    @property
    def chunks(self):
        return max(1, self.int_param("chunks", DEFAULT_CHUNKS))

    @property
    def delay_ms(self):
        return max(0, self.int_param("delay", 0))

    @property
    def slow_ms(self):
        return self.int_param("slow", 0) if self.has("slow") else 0

    @property
    def stall_ms(self):
        return self.int_param("stall", DEFAULT_STALL_MS) if self.has("stall") else 0

    def error(self):
        """(status, kind, retry_after) for an error scenario, else None."""
        for name in sorted(self.names):
            if name in ERROR_SCENARIOS:
                status, kind = ERROR_SCENARIOS[name]
                retry_after = "2" if name == "rate429" else None
                if name == "rate429" and self.params.get("rate429"):
                    retry_after = self.params["rate429"]
                return status, kind, retry_after
            match = re.fullmatch(r"fail(\d{3})", name)
            if match:
                status = int(match.group(1))
                return status, _kind_for_status(status), None
        return None


def _kind_for_status(status):
    return {400: "bad_request", 401: "auth", 403: "permission", 404: "not_found", 429: "rate_limit",
            502: "bad_gateway", 503: "unavailable", 504: "timeout", 529: "overloaded"}.get(status, "server_error")


def parse_spec(spec, scenario=None):
    scenario = scenario or Scenario()
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, value = item.partition("=")
        name = name.strip().lower()
        scenario.names.add(name)
        if value:
            scenario.params[name] = value.strip()
    scenario.spec = ",".join(filter(None, [scenario.spec, spec]))
    return scenario


def split_prefix(path):
    """Return (scenario spec, real API path) for a request path."""
    match = PREFIX_RE.match(path)
    if match:
        return match.group(1), match.group(2)
    return "", path


def scenario_from_request(spec, headers):
    scenario = parse_spec(spec)
    header_spec = headers.get("x-emu-scenario")
    if header_spec:
        parse_spec(header_spec, scenario)
    for key in ("chunks", "delay", "slow", "stall"):
        value = headers.get(f"x-emu-{key}")
        if value:
            parse_spec(f"{key}={value}", scenario)
    return scenario
