"""The management HTTP API (/api/...), as the original's routes, auth levels and JSON envelope.

Every module of this package registers its routes on ``bp`` when imported; all are imported here.
"""
import importlib
import pkgutil

from flask import Blueprint, request

from oneapi.billing import batch

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def _read_your_writes():
    """A client that just got an answer reads its log rows, cost and quota: write what this worker queued."""
    if request.method == "GET":
        batch.flush_for_read()

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
