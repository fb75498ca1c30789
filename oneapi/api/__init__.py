"""The management HTTP API (/api/...), as the original's routes, auth levels and JSON envelope."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from oneapi.api import misc  # noqa: E402,F401  (route modules register themselves on bp)
