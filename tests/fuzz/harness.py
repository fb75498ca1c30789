"""The fuzz target: the in-process gateway on the original fixture database, channels at the provider emulator,
plus the checks every answer must pass (no 5xx, no logged exception, errors in the client's format, no secret
echoed, no partial write) and counters of what was sent."""
from __future__ import annotations

import collections
import json
import logging
import threading
from dataclasses import dataclass, field

from tests.fuzz.strategies import SECRET_SENTINEL
from tests.integration.api.conftest import ACCESS_TOKENS, PASSWORDS
from tests.integration.relay.conftest import ROOT_KEY, reset_relay_state
from tests.support import dbs
from tests.support.app import make_app

# Keys of the fixture database (channels' upstream credentials and users' API keys): never in an error.
CHANNEL_KEYS = ["sk-proj-FIXTUREfakeOpenAIkey0000000000000000000000000001", "0fixture0azure0key0000000000000a",
                "sk-ant-api03-FIXTUREfakeAnthropicKey000000000000000000", "AIzaSyFIXTUREfakeGeminiKey00000000000000",
                "sk-FIXTUREfakeDeepSeekKey00000000", "sk-FIXTURE-internal-gateway-key"]
TOKEN_KEYS = ["WrEDFbchfWe6cOBt21De92E15884505f62F71c9fD5Ad4b80", "HKB8B7a0zi90oEOP6f1931Ff6817Bd1f2aF8309b64A954Ca",
              "UFksh5V3w8lzAbhS0f88E29d0886C8Ae2891C2951fF7C546", "3XVEIBUvY4Lu3c0VDf0e5862Ae190f44327304FeE256A854",
              "3O7udWLCp0F54eaZB13c746d60E84f071936Ec11940e9aEb", "js1Mm3INWmjaPdloB008B75e1bCe66Dd17D84c73178eC870"]
SECRETS = CHANNEL_KEYS + TOKEN_KEYS + list(ACCESS_TOKENS.values()) + list(PASSWORDS.values()) + [SECRET_SENTINEL]
_SHORT_SECRETS = {"123456"}  # root's password is too common a string to look for in every answer

# Models the fuzzed relay routes name, added to the fixture's channels so that valid requests reach the emulator.
OPENAI_MODELS = ("gpt-4o-mini,gpt-4o,gpt-3.5-turbo,gpt-3.5-turbo-instruct,text-embedding-3-small,"
                 "text-moderation-stable,omni-moderation-latest,dall-e-2,dall-e-3,whisper-1,tts-1,rerank-v1")
STATE_TABLES = ("users", "tokens", "channels", "abilities", "redemptions", "options")
UPSTREAM_STATUSES = (502, 503, 504)


class LogTrap(logging.Handler):
    """Collects ERROR records (and any record carrying a traceback) from the gateway's loggers."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("tests.emulator"):
            return
        if record.levelno >= logging.ERROR or record.exc_info:
            with self._lock:
                self.records.append(record)

    def take(self) -> list[str]:
        with self._lock:
            out = [f"{r.name}: {r.getMessage()} {self.format(r) if r.exc_info else ''}" for r in self.records]
            self.records.clear()
        return out


@dataclass
class Counters:
    examples: collections.Counter = field(default_factory=collections.Counter)
    statuses: collections.Counter = field(default_factory=collections.Counter)

    def add(self, group: str, status: int) -> None:
        self.examples[group] += 1
        self.statuses[f"{status // 100}xx"] += 1


COUNTERS = Counters()


@dataclass
class Target:
    dialect: str
    tdb: dbs.TestDatabase
    app: object
    client: object
    trap: LogTrap
    emulator_url: str

    # ---- sending --------------------------------------------------------------------------------------------

    def send(self, group: str, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
             headers: dict | None = None):
        """One request; the whole body is read (streams included) so that generator errors surface here."""
        hdrs = dict(headers or {})
        if content_type:
            hdrs["Content-Type"] = content_type
        resp = self.client.open(path, method=method, data=body, headers=hdrs)
        data = resp.get_data()
        COUNTERS.add(group, resp.status_code)
        return resp, data

    # ---- database state -----------------------------------------------------------------------------------

    def snapshot(self) -> dict:
        """Every row of the tables admin writes touch, in a comparable form."""
        conn = _connect(self.tdb)
        try:
            out = {}
            for table in STATE_TABLES:
                cur = conn.cursor()
                cur.execute(f"SELECT * FROM {table}")
                out[table] = sorted(repr(tuple(_plain(v) for v in row)) for row in cur.fetchall())
                cur.close()
            return out
        finally:
            conn.close()

    def repair(self) -> None:
        """Undo what accepted fuzz writes may have changed that would lock the fuzzer out: the fixture users'
        access tokens, roles and statuses, the tokens' states and the channels' routing."""
        from oneapi.models import Token, User
        from oneapi.services import cache
        with self.app.app_context():
            for uid, (name, role) in enumerate([("root", 100), ("admin", 10), ("alice", 1), ("bob", 1)], start=1):
                User.update(access_token=ACCESS_TOKENS[name], role=role, status=1, group="default").where(
                    User.id == uid).execute()
                cache.invalidate_user(uid)
            Token.update(status=1, expired_time=-1, models="", subnet="").where(Token.key == ROOT_KEY).execute()
            cache.invalidate_token(ROOT_KEY)
        configure_channels(self.app, self.emulator_url)


def _connect(tdb: dbs.TestDatabase):
    """One plain driver connection (independent of the app) for a whole snapshot."""
    if tdb.dialect == "sqlite":
        import sqlite3
        return sqlite3.connect(tdb.sqlite_path)
    if tdb.dialect == "postgres":
        import psycopg2
        conn = psycopg2.connect(host=dbs.PG_HOST, port=dbs.PG_PORT, user=dbs.PG_USER, dbname=tdb.name)
        conn.autocommit = True
        return conn
    return dbs._mysql_admin(tdb.name)


def _plain(value):
    return float(value) if type(value).__name__ == "Decimal" else value


def configure_channels(app, emulator_url: str) -> None:
    """Point the fixture's channels at the emulator (Gemini enabled, DeepSeek left disabled)."""
    from oneapi.models import Channel
    from oneapi.services import cache, channels
    with app.app_context():
        for cid, base, extra in [(1, emulator_url, {"models": OPENAI_MODELS}), (2, emulator_url, {}),
                                 (3, emulator_url, {}), (4, emulator_url, {"status": 1}),
                                 (6, emulator_url + "/v1", {})]:
            if Channel.get_or_none(Channel.id == cid) is None:
                continue
            channels.update_channel({"id": cid, "base_url": base, **extra})
            if extra.get("status"):
                channels.set_status(cid, 1)
    cache.invalidate_channels()
    reset_relay_state()


def start_target(dialect: str, tmp_path, emulator_url: str) -> Target:
    tdb = dbs.create(dialect, tmp_path)
    dbs.load_original_fixture(tdb)
    app = make_app(tdb, RATE_LIMIT_DISABLED="true", GLOBAL_RELAY_RATE_LIMIT="0", MAX_REQUEST_BODY_MB="4",
                   RELAY_TIMEOUT="10")
    trap = LogTrap()
    logging.getLogger().addHandler(trap)
    configure_channels(app, emulator_url)
    trap.take()
    return Target(dialect, tdb, app, app.test_client(), trap, emulator_url)


def stop_target(target: Target) -> None:
    logging.getLogger().removeHandler(target.trap)
    dbs.drop(target.tdb)


# ---- checks ---------------------------------------------------------------------------------------------------

def echoed_secrets(data: bytes, extra: tuple[str, ...] = ()) -> list[str]:
    text = data.decode("utf-8", "replace")
    return [s for s in (*SECRETS, *extra) if s not in _SHORT_SECRETS and len(s) >= 6 and s in text]


def parse_json(data: bytes):
    try:
        return json.loads(data)
    except ValueError:
        return None


def relay_format(path: str) -> str:
    if path.startswith(("/v1beta/", "/v1/models/")) and ":" in path:
        return "gemini"
    if path.startswith("/v1/messages"):
        return "claude"
    return "openai"


def check_error_format(fmt: str, status: int, body) -> str | None:
    """None when ``body`` is an error in the client's own format, else what is wrong with it."""
    if not isinstance(body, dict):
        return f"error body is not a JSON object: {body!r:.200}"
    if fmt == "claude":
        err = body.get("error")
        if body.get("type") != "error" or not isinstance(err, dict) or not isinstance(err.get("message"), str) \
                or not isinstance(err.get("type"), str):
            return f"not an Anthropic error: {body!r:.300}"
        return None
    err = body.get("error")
    if not isinstance(err, dict) or not isinstance(err.get("message"), str) or not err["message"]:
        return f"not an {fmt} error: {body!r:.300}"
    if fmt == "gemini" and (not isinstance(err.get("status"), str) or err.get("code") != status):
        return f"not a Gemini error (code/status): {body!r:.300}"
    return None


def check_relay(target: Target, path: str, resp, data: bytes, note: str) -> None:
    status = resp.status_code
    logged = target.trap.take()
    assert not logged, f"{note}: exception logged: {logged}"
    assert status < 500 or status in UPSTREAM_STATUSES, f"{note}: HTTP {status}: {data[:400]!r}"
    if status >= 400:
        body = parse_json(data)
        problem = check_error_format(relay_format(path), status, body)
        assert problem is None, f"{note}: HTTP {status}: {problem}"
        leaked = echoed_secrets(data)
        assert not leaked, f"{note}: error echoes secrets {leaked}: {data[:300]!r}"


def check_admin(target: Target, resp, data: bytes, note: str, *, relay_auth_errors: bool = False) -> dict | None:
    """Checks an /api answer; returns the parsed body."""
    status = resp.status_code
    logged = target.trap.take()
    assert not logged, f"{note}: exception logged: {logged}"
    assert status < 500, f"{note}: HTTP {status}: {data[:400]!r}"
    body = parse_json(data)
    failed = status >= 400 or (isinstance(body, dict) and body.get("success") is False)
    if failed:
        relay_style = relay_auth_errors and status in (401, 403) and isinstance(body, dict) and "error" in body
        if not relay_style:
            assert isinstance(body, dict) and body.get("success") is False and isinstance(body.get("message"), str) \
                and body["message"], f"{note}: HTTP {status} not in the envelope: {data[:300]!r}"
        leaked = echoed_secrets(data)
        assert not leaked, f"{note}: error echoes secrets {leaked}: {data[:300]!r}"
    return body if isinstance(body, dict) else None
