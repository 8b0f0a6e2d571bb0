"""GET /api/v1/shows/<slug>/stats: a show's live numbers for the dashboard and integrations."""

from __future__ import annotations

from flask import jsonify

from ..database import utcnow
from ..extensions import db
from ..shows import get_show, to_local
from ..stats import show_stats
from . import bp
from .contract import operation
from .schemas import Stats


@bp.get("/shows/<slug>/stats", endpoint="show_stats")
@operation("A show's live numbers", answer=Stats, role="organiser", errors={404: "not_found (no such show)"})
def show_stats_json(slug: str):
    show = get_show(db.session, slug)
    return jsonify(show_stats(db.session, show, utcnow()).to_json(to_local))
