"""Registrations not confirmed in time: each lapsed hold is cancelled and its seat goes back to
the show, or to the first person in line, in one transaction.

The worker sweeps every show on each pass (expire_due); a registration for a full show, and a
link opened too late, sweep their own show first (expire_lapsed), so a lapsed hold never keeps
a seat from anyone even while the worker is down. Whoever typed a wrong address registers again
once the hold has lapsed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from . import waitlist
from .database import transaction
from .models import LIVE_TICKET, Ticket


def _lapsed(session, now: datetime, *, show_id: int | None = None, ticket_id: int | None = None):
    query = select(Ticket.id, Ticket.show_id, Ticket.status).where(
        Ticket.confirmed_at.is_(None), LIVE_TICKET, Ticket.hold_expires_at <= now
    )
    if show_id is not None:
        query = query.where(Ticket.show_id == show_id)
    if ticket_id is not None:
        query = query.where(Ticket.id == ticket_id)
    return session.execute(query.order_by(Ticket.show_id, Ticket.id)).all()


def expire_lapsed(session, now: datetime, *, show_id: int | None = None, ticket_id: int | None = None) -> int:
    """Cancels the lapsed holds (of one show or one ticket) inside the caller's transaction;
    returns how many. Each changes by a conditional UPDATE, so a hold confirmed or cancelled
    meanwhile is left alone and a seat is never given back twice."""
    expired = 0
    freed_shows: set[int] = set()
    for row in _lapsed(session, now, show_id=show_id, ticket_id=ticket_id):
        changed = session.execute(
            update(Ticket)
            .where(Ticket.id == row.id, Ticket.status == row.status, Ticket.confirmed_at.is_(None))
            .values(status="cancelled", cancelled_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            continue
        expired += 1
        if row.status == "issued":
            if not waitlist.give_seat_back(session, row.show_id):
                raise RuntimeError(f"show {row.show_id}: issued_count is 0 with an issued hold")
            freed_shows.add(row.show_id)
    for freed in sorted(freed_shows):
        waitlist.promote(session, waitlist.lock_show(session, freed), now)
    return expired


def expire_due(now: datetime) -> int:
    """The worker's sweep: every show's lapsed holds, a transaction per show."""
    with transaction() as session:
        show_ids = session.scalars(
            select(Ticket.show_id)
            .distinct()
            .where(Ticket.confirmed_at.is_(None), LIVE_TICKET, Ticket.hold_expires_at <= now)
        ).all()
    expired = 0
    for show_id in show_ids:
        # No lock on the show first: the tickets' rows, then the show's, is the order every
        # other writer takes (a cancellation, the gate).
        with transaction() as session:
            expired += expire_lapsed(session, now, show_id=show_id)
    return expired


def is_lapsed(ticket: Ticket, now: datetime) -> bool:
    """An unconfirmed hold past its time (the sweep may not have reached it yet)."""
    return (
        ticket.confirmed_at is None and ticket.hold_expires_at is not None and ticket.hold_expires_at <= now
    )
