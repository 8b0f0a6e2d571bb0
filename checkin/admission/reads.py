"""What a scan reads: its ticket and show, the show a gate belongs to, a stored first answer."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ..errors import ScanIdReused, ShowRequired
from ..extensions import db
from . import statements
from .results import Found, Ref, ScanRequest, ScanResult, ShowState, TicketState


def find(connection: Connection, request: ScanRequest, ref: Ref | None, *, locked: bool = False) -> Found:
    """The ticket a scan names and its show (locked: held to the end of the transaction);
    else the gate's show, so that refusals count per show too, and why no ticket."""
    if ref is not None:
        statement = (statements.FIND_LOCKED if locked else statements.FIND)[ref.by]
        row = connection.execute(statement, {"ref": ref.value}).first()
        if row is not None:
            split = len(TicketState._fields)
            return Found(TicketState._make(row[:split]), ShowState._make(row[split:]))
    show = None
    if request.show_slug:
        show_row = connection.execute(statements.SHOW_BY_SLUG, {"slug": request.show_slug}).first()
        show = ShowState._make(show_row) if show_row is not None else None
    return Found(None, show, "invalid" if ref is None else "unknown")


def show_of(show_slug: str | None, gate: str) -> str:
    """The show a scan is for: named, or the one show that has a gate of this label."""
    if show_slug:
        return show_slug
    slugs = db.session.scalars(statements.GATE_SHOWS, {"gate": gate}).all()
    if len(slugs) != 1:
        raise ShowRequired()
    return str(slugs[0])


def stored(request: ScanRequest, connection: Connection | None = None) -> ScanResult | None:
    """The first answer to a client id: inside the caller's transaction, or a plain read (the
    row that clashed is committed). Only for the same request of the same volunteer."""
    connection = connection if connection is not None else db.session.connection()
    row = connection.execute(statements.STORED, {"client_scan_id": request.client_scan_id}).first()
    if row is None:
        return None
    if row.staff_id != request.staff_id or (
        row.request_digest is not None and row.request_digest != request.digest
    ):
        raise ScanIdReused()
    return ScanResult(row.result, row.response, row.id, replayed=True)
