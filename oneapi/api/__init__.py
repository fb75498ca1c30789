"""The management HTTP API (/api/...), as the original's routes, auth levels and JSON envelope.

Every module of this package registers its routes on ``bp`` when imported; all are imported here.
"""
import importlib
import pkgutil

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
