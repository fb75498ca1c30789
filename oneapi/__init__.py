"""One API for Python: a drop-in, self-hosted LLM gateway compatible with the original One API."""
from __future__ import annotations

from oneapi import drivers

drivers.defer_mysql()  # before anything imports peewee (see oneapi/drivers.py)

import logging  # noqa: E402
import os
import time
from datetime import timedelta

from flask import Flask, g, jsonify, request

from oneapi import config as config_module
from oneapi.config import Config
from oneapi.cookie_session import CookieSessionInterface
from oneapi.json_provider import JSONProvider

__version__ = "0.1.0"
OPTIONS_MAX_STALENESS_S = 10
log = logging.getLogger(__name__)


def create_app(cfg: Config | None = None, *, background_jobs: bool = True) -> Flask:
    """Build the WSGI application: databases, schema, bootstrap, options and all blueprints."""
    from oneapi import db, schema
    from oneapi.logging_setup import configure
    from oneapi.services import scheduler
    from oneapi.services.bootstrap import ensure_root_user
    from oneapi.services.options import options

    cfg = cfg or config_module.settings
    config_module.settings = cfg  # services read oneapi.config.settings
    configure(cfg)

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(__name__, template_folder=f"{root}/templates", static_folder=f"{root}/static",
                static_url_path="/static")
    app.config.update(
        SECRET_KEY=cfg.session_secret,
        SESSION_COOKIE_NAME="session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.enable_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=cfg.cookie_maxage_hours),
        MAX_CONTENT_LENGTH=cfg.max_request_body_mb * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.session_interface = CookieSessionInterface()
    app.json = JSONProvider(app)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["oneapi.config"] = cfg
    app.start_time = int(time.time())

    main_db, logs_db = db.init_databases(cfg)
    if cfg.is_master:
        schema.migrate(main_db, logs_db)
        with main_db.connection_context():
            ensure_root_user(cfg)
    with main_db.connection_context():
        options.load()
    db.close_request_connections()

    from oneapi.auth import login_manager
    login_manager.init_app(app)

    _install_request_hooks(app)
    from oneapi import input_guard
    input_guard.install(app)
    _register_blueprints(app)
    _install_error_handlers(app)
    from oneapi import ops
    ops.install(app, cfg)

    from oneapi.billing import tokenizer
    tokenizer.configure(cfg.tiktoken_cache_dir or None)
    # The encodings (25-45 MB each) are not preloaded: most requests never need them (metering.PromptCount),
    # and a worker loads one the first time an exact count matters.
    if background_jobs:
        # Options are one small table: re-read at least every 10 s, so a PUT /api/option/ served by one worker or
        # instance reaches the others quickly without Redis (SYNC_FREQUENCY still bounds it when shorter).
        scheduler.every(min(cfg.sync_frequency or OPTIONS_MAX_STALENESS_S, OPTIONS_MAX_STALENESS_S), options.load,
                        "options-sync")
        from oneapi import jobs
        jobs.start(app, cfg)
    log.info("One API %s ready (database %s)", __version__, db.parse_dsn(cfg.sql_dsn, cfg.sqlite_path).describe())
    return app


def _install_request_hooks(app: Flask) -> None:
    from oneapi.db import close_request_connections
    from oneapi.security import new_request_id

    @app.before_request
    def _start_request():
        g.request_id = new_request_id()
        g.start_time = time.time()

    @app.after_request
    def _stamp_request_id(response):
        response.headers["X-Oneapi-Request-Id"] = getattr(g, "request_id", "") or new_request_id()
        return response

    @app.teardown_request
    def _release_connections(_exc):
        close_request_connections()


def _register_blueprints(app: Flask) -> None:
    from oneapi.api import bp as api_bp
    from oneapi.relay.routes import bp as relay_bp
    from oneapi.web import bp as web_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(relay_bp)
    app.register_blueprint(web_bp)


def _wants_openai_error(path: str) -> bool:
    return path.startswith(("/v1", "/api", "/dashboard", "/v1beta"))


def _install_error_handlers(app: Flask) -> None:
    from werkzeug.exceptions import HTTPException

    def openai_error(message: str, status: int, type_: str = "invalid_request_error", code: str = ""):
        """The error in the client's format: Gemini's under /v1beta, Anthropic's for Messages, else OpenAI's."""
        from oneapi.relay.formats import claude, gemini
        rid = getattr(g, "request_id", "")
        text = f"{message} (request id: {rid})" if rid else message
        if request.path.startswith("/v1beta/") or (request.path.startswith("/v1/models/") and ":" in request.path):
            return jsonify(gemini.encode_error(status, text)), status
        if request.path.startswith(("/v1/messages", "/v1/v1/messages")):
            return jsonify(claude.encode_error(status, text)), status
        body = {"error": {"message": text, "type": type_, "param": "", "code": code}}
        return jsonify(body), status

    @app.errorhandler(404)
    def _not_found(_e):
        if _wants_openai_error(request.path):
            return openai_error(f"Invalid URL ({request.method} {request.path})", 404)
        from oneapi.web import not_found_page
        return not_found_page()

    @app.errorhandler(405)
    def _method_not_allowed(_e):
        if _wants_openai_error(request.path):
            return openai_error(f"Invalid URL ({request.method} {request.path})", 404)
        return "Method Not Allowed", 405

    @app.errorhandler(413)
    def _too_large(_e):
        if request.path.startswith("/api"):
            return jsonify({"success": False, "message": "request body too large"}), 413
        return openai_error("request body too large", 413, code="request_too_large")

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        if request.path.startswith("/api"):
            return jsonify({"success": False, "message": e.description or e.name}), e.code or 400
        if _wants_openai_error(request.path):
            return openai_error(e.description or e.name, e.code or 400)
        return e

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        # Never leak internals (DSNs, keys) to the client; the log has the traceback.
        log.exception("unhandled error on %s %s", request.method, request.path)
        if request.path.startswith("/api"):
            return jsonify({"success": False, "message": "internal server error"}), 500
        return openai_error("internal server error", 500, "one_api_error", "internal_error")
