"""Attendees' pages: the festival, registration and the ticket. No account needed."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import (  # noqa: E402,F401  # noqa: E402,F401
    icons,
    my_data,  # noqa: E402,F401
    reconfirm,
    standby_pages,
    ticket_actions,  # noqa: E402,F401
    venue_map,
    views,  # noqa: E402,F401  (registers the routes)
)
