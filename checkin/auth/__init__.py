"""Staff sign-in and sign-out, shared by volunteers and organisers."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import (
    pairing,  # noqa: E402,F401
    views,  # noqa: E402,F401  (registers the routes)
)
