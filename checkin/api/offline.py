"""What a gate phone downloads to decide scans alone: GET /shows/<slug>/gate-list."""

from __future__ import annotations

from flask import current_app, g, jsonify

from .. import offline
from ..database import utcnow
from ..extensions import db
from . import bp
from .contract import operation
from .schemas import GateList, GateListQuery


def _iso(value) -> str:
    return value.isoformat(timespec="seconds") + "Z"


@bp.get("/shows/<slug>/gate-list")
@operation(
    "A show's tickets for deciding scans offline (full, or changes since a cursor)",
    query=GateListQuery,
    answer=GateList,
    role="volunteer",
    errors={404: "not_found (no such show)", 403: "gate_not_chosen (only the show of the volunteer's gate)"},
)
def gate_list(slug: str, query: GateListQuery):
    found = offline.gate_list(db.session, g.staff, slug, since=query.since, now=utcnow())
    show = found.show
    response = jsonify(
        {
            "show": {
                "slug": show.slug,
                "title": {"vi": show.title_vi, "en": show.title_en},
                "doors_open_at": _iso(show.doors_open_at),
                "admits_until": _iso(found.admits_until),
                "reentry_allowed": show.reentry_allowed,
                "names": show.offline_names,
            },
            "gates": found.gates,
            "keys": current_app.extensions["checkin_keyring"].public_keys(),
            "cursor": found.cursor,
            "full": found.full,
            "tickets": found.tickets,
            "standby": found.standby,
            "groups": found.groups,
        }
    )
    # Names may be in it: no shared cache keeps a copy, and the phone keeps it in IndexedDB only.
    response.headers["Cache-Control"] = "no-store"
    return response
