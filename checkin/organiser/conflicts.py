"""Conflicts to review: admissions decided offline at a gate that the server could not honour,
each beside the admission that stands instead, as a page and as CSV."""

from __future__ import annotations

from flask import render_template, request

from ..exports import CONFLICT_HEADER, conflict_query, conflict_reason, conflict_rows, csv_lines
from ..extensions import db
from ..shows import get_show, to_local
from ..stats import conflict_count
from . import bp
from .exports import csv_response

PAGE_ROWS = 100
# Far beyond any real list, and small enough that the OFFSET fits a 64-bit integer.
MAX_PAGE = 100_000


@bp.get("/shows/<slug>/conflicts")
def conflicts(slug: str):
    show = get_show(db.session, slug)
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    rows = db.session.execute(conflict_query(show.id).offset((page - 1) * PAGE_ROWS).limit(PAGE_ROWS)).all()
    total = conflict_count(db.session, show.id)
    return render_template(
        "organiser/conflicts.html",
        show=show,
        rows=rows,
        total=total,
        page=page,
        has_next=page * PAGE_ROWS < total,
        reason=conflict_reason,
    )


@bp.get("/shows/<slug>/conflicts.csv")
def export_conflicts(slug: str):
    show = get_show(db.session, slug)
    return csv_response(
        f"conflicts-{show.slug}.csv", csv_lines(CONFLICT_HEADER, conflict_rows(db.session, show.id), to_local)
    )
