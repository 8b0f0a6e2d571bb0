"""The JSON API (/api/v1): the same operations as the pages, for the scanner, the dashboard
and integrations. Errors are {"error": {"code", "message", "fields"?}} with stable codes."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from . import views  # noqa: E402,F401  (registers the routes)
from . import scans  # noqa: E402,F401
from . import health  # noqa: E402,F401
from . import stats  # noqa: E402,F401
from . import offline  # noqa: E402,F401
from . import groups  # noqa: E402,F401
from . import openapi  # noqa: E402,F401
