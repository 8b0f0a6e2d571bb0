"""The waitlist: a person's place in line, and promotion of the first in line when a seat frees.

Order is the ticket id: the earlier registration is first. Every path that frees a seat
(a cancellation, a higher quota) calls promote() inside its own transaction, holding the
show's row; the seat is taken by the same conditional UPDATE of issued_count as a
registration, then the ticket turns from waitlisted to issued by a conditional UPDATE. Holding
the show's row serialises promotions, so nobody is promoted twice and nobody is skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CTE, bindparam, exists, func, select, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.orm import Session

from .database import core_connection
from .models import Show, Ticket
from .outbox import enqueue


def is_open(show: Show, now: datetime) -> bool:
    """Joining and promotion stop at the cut-off the organiser sets, before doors open."""
    return now < show.doors_open_at - timedelta(minutes=show.waitlist_cutoff_minutes)


def position(session: Session, ticket: Ticket) -> int | None:
    """1 for the first in line; None for a ticket that is not waiting."""
    if ticket.status != "waitlisted":
        return None
    return session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.show_id == ticket.show_id, Ticket.status == "waitlisted", Ticket.id <= ticket.id
        )
    )


def waiting_count(session: Session, show_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Ticket.id)).where(Ticket.show_id == show_id, Ticket.status == "waitlisted")
        )
        or 0
    )


def lock_show(session: Session, show_id: int) -> Show:
    """The show's row, locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already holds the whole database)."""
    return session.scalars(
        select(Show).where(Show.id == show_id).with_for_update().execution_options(populate_existing=True)
    ).one()


# Built once and run on the session's connection: registrations queue for the write lock,
# and building an ORM statement each time cost more than SQLite's work on it.
_TAKE_SEAT = (
    update(Show)
    .where(Show.id == bindparam("show_id"), Show.issued_count < Show.ticket_quota)
    .values(issued_count=Show.issued_count + 1)
)
# Nobody waiting is checked in the UPDATE itself, not read before it: on PostgreSQL this
# statement's snapshot is taken with the show's row already locked, so a ticket that began
# waiting just before is seen.
_TAKE_SEAT_UNLESS_SOMEONE_WAITS = _TAKE_SEAT.where(
    ~exists().where(Ticket.show_id == Show.id, Ticket.status == "waitlisted")
)
_GIVE_SEAT_BACK = (
    update(Show)
    .where(Show.id == bindparam("show_id"), Show.issued_count > 0)
    .values(issued_count=Show.issued_count - 1)
)


def take_seat(
    session_or_connection: Session | Connection, show_id: int, *, unless_someone_waits: bool = False
) -> bool:
    """The one place a seat is taken: a conditional UPDATE of the show's counter (invariant 1).
    `unless_someone_waits`: also refuse while anyone of the show is on the waitlist (they are
    promoted first), so a newcomer's registration needs no lookup of the line."""
    statement = _TAKE_SEAT_UNLESS_SOMEONE_WAITS if unless_someone_waits else _TAKE_SEAT
    return core_connection(session_or_connection).execute(statement, {"show_id": show_id}).rowcount == 1


def seat_taken(*, kept: bool = True) -> CTE:
    """take_seat(unless_someone_waits=True) as a CTE that returns the show's id when the seat
    was taken: the statement that selects from it writes only then, in the same round trip
    (checkin/registration.py, on PostgreSQL). ``kept=False``: the same test and the same lock
    on the show's row, the counter left as it was (a seat taken and given back at once; one
    statement may not update a row twice)."""
    statement = _TAKE_SEAT_UNLESS_SOMEONE_WAITS
    if not kept:
        statement = statement.values(issued_count=Show.issued_count)
    return statement.returning(Show.id).cte("seat")


def give_seat_back(session_or_connection: Session | Connection, show_id: int) -> bool:
    return core_connection(session_or_connection).execute(_GIVE_SEAT_BACK, {"show_id": show_id}).rowcount == 1


def _first_in_line(session: Session, show_id: int) -> int | None:
    return session.scalar(
        select(Ticket.id)
        .where(Ticket.show_id == show_id, Ticket.status == "waitlisted")
        .order_by(Ticket.id)
        .limit(1)
    )


def _issue(session: Session, ticket_id: int, now: datetime) -> bool:
    result = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status == "waitlisted")
        .values(status="issued", issued_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def promote(session: Session, show: Show, now: datetime) -> list[int]:
    """Issues free seats to the people waiting, first come first served, inside the caller's
    transaction; returns the promoted ticket ids. The caller holds the show's row (lock_show, or
    a change of the show), or the seat's conditional UPDATE takes it before anyone is promoted."""
    promoted: list[int] = []
    if not is_open(show, now):
        return promoted
    while (first := _first_in_line(session, show.id)) is not None:
        if not take_seat(session, show.id):
            break
        # The first in line may have cancelled between our read and our write; the seat is
        # then the next person's.
        while first is not None and not _issue(session, first, now):
            first = _first_in_line(session, show.id)
        if first is None:
            give_seat_back(session, show.id)
            break
        enqueue(session, first, "promoted", now)
        promoted.append(first)
    if promoted:
        session.expire(show)
    return promoted
