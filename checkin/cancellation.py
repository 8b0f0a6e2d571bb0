"""Self-cancellation: the ticket stops being valid and its seat goes back to the show, or to the
first person on the waitlist, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from . import audit, school_groups, waitlist
from .database import transaction
from .errors import AlreadyCancelled, TicketUsed
from .models import Show, Ticket
from .outbox import enqueue
from .registration import ticket_by_token


@dataclass(frozen=True)
class Cancellation:
    code: str
    was: str  # "issued" or "waitlisted"
    promoted: tuple[int, ...]


def cancel_ticket(token: str, *, now: datetime, actor=None) -> Cancellation:
    """Cancels the ticket behind a link. Raises NotFound, AlreadyCancelled or TicketUsed.
    An organiser's cancellation (`actor`) is audit-logged in the same transaction.

    The ticket's row is locked first, then the show's: the order the gate takes when it admits,
    so a cancellation and a scan of one ticket at the same moment wait for each other instead
    of deadlocking. The ticket changes by a conditional UPDATE (two clicks cancel once), and the
    counter goes down by a conditional UPDATE in the same transaction, so it always equals the
    issued rows; the freed seat goes to the first in line before the transaction ends.
    """
    with transaction() as session:
        found = ticket_by_token(session, token)
        return cancel_in(session, found.id, now=now, actor=actor)


def cancel_in(
    session, ticket_id: int, *, now: datetime, actor=None, mail_kind: str = "cancelled"
) -> Cancellation:
    """cancel_ticket() inside the caller's transaction, for a ticket named by its id (a holder's
    "I can't come", a release at a reconfirmation's deadline: `mail_kind` says which e-mail)."""
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    was = ticket.status
    if was == "cancelled":
        raise AlreadyCancelled()
    if ticket.admitted_at is not None:
        raise TicketUsed()
    changed = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status == was, Ticket.admitted_at.is_(None))
        .values(status="cancelled", cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise AlreadyCancelled()
    promoted: list[int] = []
    # A school group's member: the place may stay with the group (school_groups.py).
    member = school_groups.member_ticket_cancelled(session, ticket.id, now) if was == "issued" else None
    if was == "issued" and not member:
        show = session.get(Show, ticket.show_id)
        if not waitlist.give_seat_back(session, show.id):
            raise RuntimeError(f"show {show.id}: issued_count is 0 with an issued ticket")
        promoted = waitlist.promote(session, show, now)
    if member is None:  # a member's placeholder address reaches nobody
        enqueue(session, ticket.id, mail_kind, now)
    if actor is not None:
        audit.record(
            session,
            actor,
            "ticket.cancel",
            "ticket",
            ticket.code,
            {"status": was},
            {"status": "cancelled", "promoted": promoted},
            now,
        )
    session.expire(ticket)
    return Cancellation(ticket.code, was, tuple(promoted))


def can_cancel(ticket: Ticket) -> bool:
    return ticket.status in ("issued", "waitlisted") and ticket.admitted_at is None
