"""Registering for a show: one transaction that never oversells (invariants 1 and 4), and that
tells the person asking nothing about who else is registered.

A registration is a hold: it takes its seat (or place in line) at once and its ticket link
travels only by e-mail; opening the link confirms it (confirm()), a hold left unconfirmed
lapses (checkin/holds.py). A repeated e-mail or phone gets the same answer as a new one, does
the same writes (the seat is taken and given back), and its ticket's holder gets a notice.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import holds, outbox, tickets, waitlist
from .database import group_write, statements_alone, transaction, transaction_memo
from .errors import NotFound, RegistrationClosed, ShowFull, WaitlistClosed
from .extensions import db
from .models import LIVE_TICKET, OutboxMessage, Show, Ticket
from .personal_data import PRIVACY_NOTICE_VERSION, validate_registrant
from .shows import registration_is_open

_CODE_ATTEMPTS = 5
# How long a registration waits for the link in its e-mail to be opened (CHECKIN_HOLD_MINUTES).
DEFAULT_HOLD = timedelta(minutes=30)

# Built once: on SQLite writers take the write lock one at a time, so every microsecond spent
# building statements inside it is one that every other registrant waits. FOR UPDATE holds the
# show's row on PostgreSQL (SQLite's BEGIN IMMEDIATE already holds the whole database), so
# joining the waitlist cannot slip between a freed seat and its promotion (the general path).
# A newcomer reads the show without a lock (_SHOW_READ): its seat's conditional UPDATE is the
# last statement before the commit, so on PostgreSQL the show's row is locked only for that
# statement and the commit, never across Python work or the other statements (issue 20).
_SHOW_READ = select(
    Show.id,
    Show.registration_open,
    Show.registration_opens_at,
    Show.registration_closes_at,
    Show.issued_count,
    Show.ticket_quota,
    Show.doors_open_at,
    Show.waitlist_cutoff_minutes,
).where(Show.slug == bindparam("slug"))
_SHOW = _SHOW_READ.with_for_update()
_INSERT_TICKET = insert(Ticket)


@dataclass(frozen=True)
class Registration:
    """What happened, for the domain's callers and tests; the person asking is told none of it.
    status: "issued" or "waitlisted" (a hold), or "duplicate" (code and token are then None:
    the existing ticket's holder was sent a notice)."""

    status: str
    code: str | None
    token: str | None
    show_slug: str


# Two lookups in the partial unique indexes of live tickets. Their WHERE must be the indexes'
# own literal text for SQLite to use them; as one query with `status IN (?, ?)` and an OR it read
# every issued ticket of the show (45 ms a registration at 50,000 tickets).
def _live_tickets_of(show_id: Any) -> list[Any]:
    """The live ticket holding the e-mail and the one holding the phone, as two scalar
    subqueries (by_email, by_phone) of the show `show_id` (a parameter or a column)."""
    return [
        select(Ticket.id)
        .where(Ticket.show_id == show_id, LIVE_TICKET, column == bindparam(column.key))
        .scalar_subquery()
        .label(f"by_{column.key}")
        for column in (Ticket.email, Ticket.phone)
    ]


_LIVE_TICKET_OF = select(*_live_tickets_of(bindparam("show_id")))
# PostgreSQL: the show and the live ticket this e-mail or phone holds, in one read.
_SHOW_AND_HOLDER = select(*_SHOW_READ.selected_columns, *_live_tickets_of(Show.id)).where(
    Show.slug == bindparam("slug")
)


# PostgreSQL: a newcomer's whole write is one statement, run outside any transaction (autocommit),
# so that the seat's UPDATE, the ticket, its e-mail and the commit happen in one round trip: the
# show's row is locked from that UPDATE to the end of the commit, on the server alone, and never
# while Python works or a reply crosses the network (issue 20). The ticket and the e-mail are
# selected from the seat's RETURNING: a seat refused writes nothing. Built once per set of
# columns given (always the same set: register()'s).
@functools.cache
def _issue_if_seat_free(columns: tuple[str, ...]) -> Any:
    seat = waitlist.seat_taken()
    values = [bindparam(name, type_=Ticket.__table__.c[name].type) for name in columns]
    ticket = (
        insert(Ticket)
        .from_select(["show_id", *columns], select(seat.c.id, *values))
        .returning(Ticket.id)
        .cte("ticket")
    )
    return outbox.enqueue_for(ticket, "confirm").returning(OutboxMessage.ticket_id)


def _notice_if_seat_free() -> Any:
    """A known person's: the same test and lock of the show's row, and the holder's notice."""
    seat = waitlist.seat_taken(kept=False)
    holder = (
        select(bindparam("holder", type_=Ticket.__table__.c.id.type).label("id"))
        .select_from(seat)
        .cte("holder")
    )
    return outbox.enqueue_for(holder, "notice").returning(OutboxMessage.ticket_id)


_NOTICE_IF_SEAT_FREE = _notice_if_seat_free()


def _live_ticket_of(connection: Connection, show_id: int, email: str, phone: str) -> int | None:
    """The live ticket this e-mail or phone already holds in the show, if any."""
    row = connection.execute(_LIVE_TICKET_OF, {"show_id": show_id, "email": email, "phone": phone}).one()
    found: int | None = row.by_email or row.by_phone
    return found


def _notify_holder(connection: Connection, ticket_id: int, now: datetime) -> None:
    """The holder of a repeated e-mail or phone hears of it, not the person asking. Always one
    INSERT, like a newcomer's e-mail: repeated notices are thinned by the worker, not here."""
    outbox.enqueue(connection, ticket_id, "notice", now)


def register(
    show_slug: str,
    values: dict[str, Any],
    *,
    now: datetime,
    locale: str = "vi",
    join_waitlist: bool = False,
    hold: timedelta = DEFAULT_HOLD,
) -> Registration:
    """Holds a seat, or a waitlist place when asked and the show is full, until `now + hold`;
    the "confirm" e-mail carries the link that confirms it.

    Raises InvalidInput, NotFound, RegistrationClosed, ShowFull or WaitlistClosed, the same for
    a new and a known person. The seat is taken by a conditional UPDATE of the show's counter,
    so the database, not this process, decides who gets the last seat; the partial unique
    indexes catch a duplicate that raced past the lookup.

    Everything that needs no database (validation, normal forms, the code and the token, the
    row itself) is done before the transaction starts.
    """
    person = validate_registrant(values, now)
    ticket: dict[str, Any] = {
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "birth_year": person.birth_year,
        "guardian_name": person.guardian_name,
        "locale": locale,
        "consent_version": PRIVACY_NOTICE_VERSION,
        "consent_at": now,
        "guardian_consent_at": now if person.guardian_consent else None,
        "created_at": now,
        "hold_expires_at": now + hold,
    }
    newcomer = True
    attempts = 0
    while attempts < _CODE_ATTEMPTS:
        ticket.update(code=tickets.new_code(), token=tickets.new_token())
        try:
            if newcomer and db.engine.dialect.name == "postgresql":
                status = _issue_to_newcomer_in_one_statement(show_slug, ticket, now)
            elif newcomer:
                status = group_write(
                    lambda connection: _issue_to_newcomer(connection, show_slug, ticket, now)
                )
            else:
                with transaction() as session:
                    status = _insert(session, show_slug, ticket, now, join_waitlist)
        except _SeatRefused:
            newcomer = False
            continue
        except IntegrityError:
            # Rolled back, seat and all. Either another registration of this person committed
            # between our lookup and our insert (the next attempt finds it) or, once in a blue
            # moon, the drawn code or token was taken: draw again.
            attempts += 1
            continue
        if status == "duplicate":
            return Registration(status, None, None, show_slug)
        return Registration(status, ticket["code"], ticket["token"], show_slug)
    raise RuntimeError("could not draw a free ticket code")


class _SeatRefused(Exception):
    """The show is full or people are waiting: the general path decides what happens."""


def _open_show(
    connection: Connection, show_slug: str, ticket: dict[str, Any], now: datetime, *, locked: bool
) -> Any:
    """The show's row (the columns of _SHOW_READ), open to registration now (NotFound,
    RegistrationClosed), and the ticket's show_id set: the one lookup and window check of both
    paths. `locked` (the general path): the show's row held to the end of the transaction.
    Unlocked (a newcomer), it is read once for the whole group commit: nothing in it changes
    the show's columns but issued_count, and that only tells "open" from "full", both open to
    registration."""
    show: Any
    if locked:
        show = connection.execute(_SHOW, {"slug": show_slug}).one_or_none()
    else:
        shows = transaction_memo(connection)
        if show_slug not in shows:
            shows[show_slug] = connection.execute(_SHOW_READ, {"slug": show_slug}).one_or_none()
        show = shows[show_slug]
    return _check_open(show, ticket, now)


def _check_open(show: Any, ticket: dict[str, Any], now: datetime) -> Any:
    if show is None:
        raise NotFound()
    ticket["show_id"] = show.id
    if not registration_is_open(show, now):
        raise RegistrationClosed()
    return show


def _issue_to_newcomer(connection: Connection, show_slug: str, ticket: dict[str, Any], now: datetime) -> str:
    """The common case, and all the time another writer waits for: the show's row, the ticket
    and its e-mail, then a free seat nobody waits for. Core statements on the connection alone,
    so that it can share a group commit (database.group_write).

    The seat is taken last: its conditional UPDATE locks the show's row on PostgreSQL until the
    commit, and every registration of the show queues for that lock. A refused seat raises, and
    the whole transaction, ticket and all, rolls back (nobody saw the uncommitted ticket). The
    UPDATE's "nobody waits" test needs no prior lock: a waitlist place is only taken while the
    show is full, and every path that frees a seat promotes the people waiting in the same
    transaction, so no committed state has both a free seat and someone waiting."""
    show = _open_show(connection, show_slug, ticket, now, locked=False)
    existing = _live_ticket_of(connection, show.id, ticket["email"], ticket["phone"])
    if existing is not None:
        # The seat a newcomer would have taken, taken and given back: the same statements
        # (reads, then three single-row writes) either way.
        _notify_holder(connection, existing, now)
        if not waitlist.take_seat(connection, show.id, unless_someone_waits=True):
            raise _SeatRefused()
        waitlist.give_seat_back(connection, show.id)
        return "duplicate"
    _insert_ticket(connection, ticket, "issued", now)
    if not waitlist.take_seat(connection, show.id, unless_someone_waits=True):
        raise _SeatRefused()
    return "issued"


def _issue_to_newcomer_in_one_statement(show_slug: str, ticket: dict[str, Any], now: datetime) -> str:
    """_issue_to_newcomer on PostgreSQL: one read, then one statement that is its own
    transaction (see _issue_if_seat_free). Under READ COMMITTED the read and the write were
    never one snapshot: a duplicate that races past the read is still caught by the partial
    unique indexes, and the statement, seat and all, rolls back."""
    with statements_alone() as connection:
        show = _check_open(
            connection.execute(
                _SHOW_AND_HOLDER, {"slug": show_slug, "email": ticket["email"], "phone": ticket["phone"]}
            ).one_or_none(),
            ticket,
            now,
        )
        holder = show.by_email or show.by_phone
        if holder is not None:
            written = connection.execute(
                _NOTICE_IF_SEAT_FREE, {"show_id": show.id, "holder": holder, "now": now}
            ).first()
            status = "duplicate"
        else:
            values = dict(ticket, status="issued", issued_at=now, updated_at=now, inside=False)
            # show_id is the seat's: the ticket's is the show the seat was taken from.
            columns = tuple(name for name in values if name != "show_id")
            written = connection.execute(_issue_if_seat_free(columns), dict(values, now=now)).first()
            status = "issued"
    if written is None:
        raise _SeatRefused()
    return status


def _insert_ticket(connection: Connection, ticket: dict[str, Any], status: str, now: datetime) -> None:
    inserted = connection.execute(
        _INSERT_TICKET, dict(ticket, status=status, issued_at=now if status == "issued" else None)
    ).inserted_primary_key
    assert inserted is not None
    outbox.enqueue(connection, inserted[0], "confirm", now)


def _insert(
    session: Session, show_slug: str, ticket: dict[str, Any], now: datetime, join_waitlist: bool
) -> str:
    """The general case, in a transaction of its own: lapsed holds give their seats back and
    people waiting are promoted first; a full show answers full, a waitlist place, or waitlist
    closed, for a new and a known person alike."""
    show = _open_show(session.connection(), show_slug, ticket, now, locked=True)
    holds.expire_lapsed(session, now, show_id=show.id)
    if waitlist.is_open(show, now):
        waitlist.promote(session, session.get_one(Show, show.id), now)
    existing = _live_ticket_of(session.connection(), show.id, ticket["email"], ticket["phone"])
    seat_taken = waitlist.take_seat(session, show.id)
    if not seat_taken:
        if not join_waitlist:
            raise ShowFull()
        if not waitlist.is_open(show, now):
            raise WaitlistClosed()
    if existing is not None:
        if seat_taken:
            waitlist.give_seat_back(session, show.id)
        _notify_holder(session.connection(), existing, now)
        return "duplicate"
    status = "issued" if seat_taken else "waitlisted"
    _insert_ticket(session.connection(), ticket, status, now)
    return status


def ticket_by_token(session: Session, token: str) -> Ticket:
    """The ticket behind a link; NotFound for any other string."""
    if not tickets.could_be_link_token(token):
        raise NotFound()
    ticket = session.scalar(select(Ticket).where(Ticket.token == token))
    if ticket is None:
        raise NotFound()
    return ticket


# A hold whose link has not been opened, and is still held at `now`.
_AWAITING_LINK = (Ticket.confirmed_at.is_(None), LIVE_TICKET, Ticket.hold_expires_at > bindparam("now"))
_CONFIRM = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket_id"), *_AWAITING_LINK)
    .values(confirmed_at=bindparam("now"))
)


# PostgreSQL: a hold confirmed and its ticket's e-mail queued in one statement that commits as it
# ends: the surge's next request after registering is the link in that e-mail (issue 20).
_CONFIRMED = (
    update(Ticket)
    # Not "token": an UPDATE's parameter named as a column would be written to it.
    .where(Ticket.token == bindparam("link"), *_AWAITING_LINK)
    # A CTE's UPDATE gets no onupdate value from SQLAlchemy: updated_at is given.
    .values(confirmed_at=bindparam("now"), updated_at=bindparam("now"))
    .returning(Ticket.id)
    .cte("confirmed")
)
_CONFIRM_AND_QUEUE = outbox.enqueue_for(_CONFIRMED, "ticket").returning(OutboxMessage.ticket_id)


def confirm(token: str, *, now: datetime) -> bool:
    """Confirms the hold behind a link opened from its e-mail (which proves the address) and
    queues the ticket's e-mail with its QR code. True if this call confirmed it; a confirmed,
    lapsed or cancelled ticket is left as it is. Raises NotFound for any other string."""
    if db.engine.dialect.name == "postgresql" and tickets.could_be_link_token(token):
        with statements_alone() as connection:
            if connection.execute(_CONFIRM_AND_QUEUE, {"link": token, "now": now}).first() is not None:
                return True
        # Not a hold awaiting its link: what it is, and a lapsed one's release, as below.
    with transaction() as session:
        ticket_id = ticket_by_token(session, token).id
        confirmed: bool = (
            session.connection().execute(_CONFIRM, {"ticket_id": ticket_id, "now": now}).rowcount == 1
        )
        if confirmed:
            outbox.enqueue(session, ticket_id, "ticket", now)
        else:
            holds.expire_lapsed(session, now, ticket_id=ticket_id)
        return confirmed
