"""Undo: a volunteer takes back their own last admission of the last minute."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import places
from ..database import transaction
from ..errors import NothingToUndo
from ..models import Scan
from . import changes, reads, statements
from .results import UNDO_WINDOW, UNDONE, Outcome, Ref, ScanRequest, ScanResult, response
from .usecases import digest, staff_id


def undo_last_admission(
    *, staff: Any, reason: str, gate: str, client_scan_id: str, now: datetime, device: str | None = None
) -> ScanResult:
    """Takes back the volunteer's own last admission of the last minute (a wrong person let
    in, a tap too many): the ticket is usable again and its place inside is freed. A new scan
    row records the undo and its reason; the original row stays, pointing to it."""
    by = staff_id(staff)
    request = ScanRequest(
        by, gate, "in", client_scan_id, None, None, now, "undo", device, digest=digest("undo", "in", "")
    )
    try:
        with transaction() as session:
            connection = session.connection()
            stored = reads.stored(request, connection)
            if stored is not None:
                return stored
            original = connection.execute(
                select(Scan.id, Scan.ticket_id, Scan.result, Scan.recorded_at, Scan.undone_by_scan_id)
                .where(Scan.staff_id == by, Scan.result.in_(("admitted", "reentered")))
                .order_by(Scan.id.desc())
                .limit(1)
            ).first()
            if (
                original is None
                or original.undone_by_scan_id is not None
                or original.recorded_at < now - UNDO_WINDOW
            ):
                raise NothingToUndo()
            ticket, show, _ = reads.find(connection, request, Ref("id", original.ticket_id), locked=True)
            assert ticket is not None and show is not None  # a ticket is never deleted
            back = statements.UNDO_FIRST_ENTRY if original.result == "admitted" else statements.LEAVING
            if connection.execute(back, {"ticket": ticket.id}).rowcount == 0:
                raise NothingToUndo()  # the person has meanwhile been scanned out
            places.give(connection, show.id, ticket.id)
            outcome = Outcome(UNDONE, ticket, show)
            answer = response(outcome)
            answer["undone_result"] = original.result
            scan_id = changes.record(connection, request, outcome, answer, reason=reason[:200])
            if (
                connection.execute(
                    update(Scan)
                    .where(Scan.id == original.id, Scan.undone_by_scan_id.is_(None))
                    .values(undone_by_scan_id=scan_id)
                ).rowcount
                == 0
            ):
                raise NothingToUndo()
            return ScanResult(UNDONE, answer, scan_id)
    except IntegrityError:
        stored = reads.stored(request)
        if stored is None:
            raise
        return stored
