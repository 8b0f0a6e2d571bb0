"""Attendees' pages: the festival, registration and the ticket. No account needed."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from . import views  # noqa: E402,F401  (registers the routes)
from . import ticket_actions  # noqa: E402,F401
from . import my_data  # noqa: E402,F401
from . import icons, venue_map  # noqa: E402,F401
from . import reconfirm, standby_pages  # noqa: E402,F401
