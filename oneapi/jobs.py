"""Background jobs started once per worker process.

Any module under ``oneapi.services``, ``oneapi.relay``, ``oneapi.billing`` or ``oneapi.ops`` that needs
periodic work defines ``start_jobs(cfg)`` and schedules it with ``oneapi.services.scheduler.every``; this starts them all.
Jobs that must run on one node only check ``cfg.is_master`` themselves.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil

from flask import Flask

from oneapi.config import Config

log = logging.getLogger(__name__)
_PACKAGES = ("oneapi.services", "oneapi.relay", "oneapi.billing", "oneapi.ops")


def start(app: Flask, cfg: Config) -> None:
    for package_name in _PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ImportError:
            continue
        for info in pkgutil.iter_modules(package.__path__):
            if info.ispkg or info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package_name}.{info.name}")
            starter = getattr(module, "start_jobs", None)
            if callable(starter):
                starter(cfg)
