"""Server-rendered admin pages."""
from flask import Blueprint

bp = Blueprint("web", __name__)


def not_found_page():
    return "Not Found", 404


@bp.get("/")
def home():
    return "One API", 200
