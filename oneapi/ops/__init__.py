"""Operations: rate limits, Prometheus metrics, graceful shutdown, retention jobs, log push.

``install(app, cfg)`` is called by the app factory after the blueprints are registered.
"""
from flask import Flask

from oneapi.config import Config


def install(app: Flask, cfg: Config) -> None:
    return None
