"""Volunteers' pages: choose a show and gate, then scan tickets with the phone's camera."""

from flask import Blueprint

bp = Blueprint("gate", __name__)

from . import (
    standby_desk,  # noqa: E402,F401
    views,  # noqa: E402,F401  (registers the routes)
)
