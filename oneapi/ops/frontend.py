"""FRONTEND_BASE_URL: a slave node serves the API and the relay only and sends page requests to the frontend.

As the original, the setting is honoured on slave nodes only (NODE_TYPE=slave), with a 301 to the same path
and query on the frontend's base URL.
"""
from __future__ import annotations

import logging

from flask import Flask, redirect, request

from oneapi.config import Config

log = logging.getLogger(__name__)
_SERVED_HERE = ("/api/", "/v1/", "/v1beta/", "/dashboard/", "/mj/", "/suno/", "/metrics")


def install(app: Flask, cfg: Config) -> None:
    if not cfg.frontend_base_url:
        return
    if cfg.is_master:
        log.warning("FRONTEND_BASE_URL is ignored on the master node (it applies to NODE_TYPE=slave)")
        return
    base = cfg.frontend_base_url

    @app.before_request
    def _redirect_pages():
        path = request.path
        if request.blueprint not in (None, "web") or path.startswith(_SERVED_HERE) or path in ("/api", "/v1"):
            return None
        query = request.query_string.decode("latin-1")
        return redirect(f"{base}{path}" + (f"?{query}" if query else ""), code=301)
