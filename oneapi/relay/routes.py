"""Relay routes (/v1/...): the data plane."""
from flask import Blueprint

bp = Blueprint("relay", __name__)
