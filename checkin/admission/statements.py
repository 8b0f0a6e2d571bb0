"""The statements of a scan, built once and run as Core on the transaction's connection.

On SQLite every gate queues for the one write lock, so whatever Python runs while holding it
(building statements, ORM objects, a flush) is time every other gate waits; and each statement
lets go of the GIL, which the lock holder may then wait for behind the worker's other threads.
Hence few statements too.
"""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update

from ..models import Gate, Scan, Show, Ticket
from .results import ShowState, TicketState

TICKET_AND_SHOW = select(
    *(getattr(Ticket, name) for name in TicketState._fields),
    *(getattr(Show, name) for name in ShowState._fields),
).join(Show, Show.id == Ticket.show_id)
FIND = {
    "code": TICKET_AND_SHOW.where(Ticket.code == bindparam("ref")),
    "id": TICKET_AND_SHOW.where(Ticket.id == bindparam("ref")),
}
# PostgreSQL: the ticket's row held from the read to the end of the transaction, so that what
# is decided from it stands (SQLite's write lock already holds the whole database). Ticket
# before show, the order cancellation takes too. FOR NO KEY UPDATE: a scan never changes the
# ticket's key, and FOR UPDATE would also block the foreign key checks (FOR KEY SHARE) of scan
# rows naming the ticket, which deadlocked a scan against its own replay (tests/test_ticket_lock.py).
FIND_LOCKED = {by: statement.with_for_update(of=Ticket, key_share=True) for by, statement in FIND.items()}
SHOW_BY_SLUG = select(*(getattr(Show, name) for name in ShowState._fields)).where(
    Show.slug == bindparam("slug")
)
# Exactly once (invariant 2): each change of a ticket is conditional on the state it was
# decided from. Ticket.updated_at is set by its onupdate, as for every UPDATE of a ticket.
FIRST_ENTRY = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket"), Ticket.admitted_at.is_(None), Ticket.status == "issued")
    .values(admitted_at=bindparam("at"), admitted_gate=bindparam("gate"), inside=True)
)
NO_ENTRY = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket"))
    .values(admitted_at=None, admitted_gate=None, inside=False)
)
REENTRY = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket"), Ticket.admitted_at.is_not(None), Ticket.inside.is_(False))
    .values(inside=True)
)
LEAVING = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket"), Ticket.admitted_at.is_not(None), Ticket.inside.is_(True))
    .values(inside=False)
)
# An undone first entry: out again, and the ticket usable as if never scanned.
UNDO_FIRST_ENTRY = LEAVING.values(admitted_at=None, admitted_gate=None)
INSERT_SCAN = insert(Scan)
STORED = select(Scan.id, Scan.result, Scan.response, Scan.staff_id, Scan.request_digest).where(
    Scan.client_scan_id == bindparam("client_scan_id")
)
HISTORY = select(
    Scan.id,
    Scan.client_scan_id,
    Scan.direction,
    Scan.offline,
    Scan.scanned_at,
    Scan.recorded_at,
    Scan.gate,
    Scan.result,
    Scan.conflict_with_scan_id,
).where(Scan.ticket_id == bindparam("ticket"), Scan.in_history.is_(True), Scan.undone_by_scan_id.is_(None))
GATE_SHOWS = (
    select(Show.slug).join(Gate, Gate.show_id == Show.id).where(Gate.label == bindparam("gate")).limit(2)
)
