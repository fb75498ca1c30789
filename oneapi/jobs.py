"""Background jobs started once per worker process (only on the master node where the original does)."""
from __future__ import annotations

from flask import Flask

from oneapi.config import Config


def start(app: Flask, cfg: Config) -> None:
    """Start the periodic jobs this node runs. Each feature registers its job here."""
    return None
