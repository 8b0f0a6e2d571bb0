"""The JSON API (/api/v1): the same operations as the pages, for the scanner, the dashboard
and integrations. Errors are {"error": {"code", "message", "fields"?}} with stable codes."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import (
    groups,  # noqa: E402,F401
    health,  # noqa: E402,F401
    offline,  # noqa: E402,F401
    openapi,  # noqa: E402,F401
    scans,  # noqa: E402,F401
    stats,  # noqa: E402,F401
    views,  # noqa: E402,F401  (registers the routes)
)
