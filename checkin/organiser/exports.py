"""The scans list and the CSV exports of attendees and scans, with the list's filters applied."""

from __future__ import annotations

from flask import Response, abort, render_template, stream_with_context

from ..exports import ATTENDEE_HEADER, SCAN_HEADER, attendee_rows, csv_lines, scan_query, scan_rows
from ..extensions import db
from ..shows import to_local
from . import bp
from .filters import scan_filter, ticket_filter

PAGE_ROWS = 200


def csv_response(name: str, lines) -> Response:
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.post("/exports/attendees.csv")
def export_attendees():
    """Posted with the search's fields, which may be personal data (see SearchForm)."""
    _, filters = ticket_filter()
    if filters is None:
        abort(400)
    return csv_response(
        "attendees.csv", csv_lines(ATTENDEE_HEADER, attendee_rows(db.session, filters), to_local)
    )


@bp.get("/exports/scans.csv")
def export_scans():
    _, filters = scan_filter()
    return csv_response("scans.csv", csv_lines(SCAN_HEADER, scan_rows(db.session, filters), to_local))


@bp.get("/scans")
def scans():
    form, filters = scan_filter()
    rows = db.session.execute(scan_query(filters).limit(PAGE_ROWS)).all()
    return render_template("organiser/scans.html", form=form, rows=rows, limit=PAGE_ROWS)
