"""Registering for a show: one transaction that never oversells (invariants 1 and 4)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, insert, or_, select
from sqlalchemy.exc import IntegrityError

from . import tickets, waitlist
from .database import group_write, transaction, transaction_memo
from .errors import Duplicate, NotFound, RegistrationClosed, ShowFull, WaitlistClosed
from .extensions import db
from .mail import outbox
from .models import LIVE_TICKET, Show, Ticket
from .personal_data import PRIVACY_NOTICE_VERSION, validate_registrant
from .shows import registration_is_open

_CODE_ATTEMPTS = 5

# Built once: on SQLite writers take the write lock one at a time, so every microsecond spent
# building statements inside it is one that every other registrant waits. FOR UPDATE holds the
# show's row on PostgreSQL (SQLite's BEGIN IMMEDIATE already holds the whole database), so
# joining the waitlist cannot slip between a freed seat and its promotion.
_SHOW = (
    select(Show.id, Show.registration_open, Show.registration_opens_at, Show.registration_closes_at,
           Show.issued_count, Show.ticket_quota, Show.doors_open_at, Show.waitlist_cutoff_minutes)
    .where(Show.slug == bindparam("slug"))
    .with_for_update()
)
_INSERT_TICKET = insert(Ticket)


@dataclass(frozen=True)
class Registration:
    status: str  # "issued" or "waitlisted"
    code: str
    token: str
    show_slug: str


def _live_ticket_exists(session, show_id: int, email: str, phone: str) -> bool:
    # Two lookups in the partial unique indexes of live tickets. Their WHERE must be the indexes'
    # own literal text for SQLite to use them; as one query with `status IN (?, ?)` and an OR it
    # read every issued ticket of the show (45 ms a registration at 50,000 tickets).
    return session.scalar(select(or_(
        exists().where(Ticket.show_id == show_id, LIVE_TICKET, Ticket.email == email),
        exists().where(Ticket.show_id == show_id, LIVE_TICKET, Ticket.phone == phone),
    )))


def register(show_slug: str, values: dict, *, now: datetime, locale: str = "vi",
             join_waitlist: bool = False) -> Registration:
    """Issues a ticket, or a waitlist place when asked and the show is full.

    Raises InvalidInput, NotFound, RegistrationClosed, Duplicate or ShowFull. The seat is taken
    by a conditional UPDATE of the show's counter, so the database, not this process, decides
    who gets the last seat; the partial unique indexes, not a lookup, catch a duplicate. A
    refusal says nothing about the existing ticket.

    Everything that needs no database (validation, normal forms, the code and the token, the
    row itself) is done before the transaction starts.
    """
    person = validate_registrant(values, now)
    ticket = {
        "name": person.name, "email": person.email, "phone": person.phone,
        "birth_year": person.birth_year, "guardian_name": person.guardian_name, "locale": locale,
        "consent_version": PRIVACY_NOTICE_VERSION, "consent_at": now,
        "guardian_consent_at": now if person.guardian_consent else None, "created_at": now,
    }
    newcomer = True
    attempts = 0
    while attempts < _CODE_ATTEMPTS:
        ticket.update(code=tickets.new_code(), token=tickets.new_token())
        try:
            if newcomer:
                status = group_write(lambda connection: _issue_to_newcomer(connection, show_slug, ticket, now))
            else:
                with transaction() as session:
                    status = _insert(session, show_slug, ticket, now, join_waitlist)
        except _SeatRefused:
            newcomer = False
            continue
        except IntegrityError:
            # Rolled back, seat and all. Either this person has a live ticket (the unique
            # indexes) or, once in a blue moon, the drawn code or token was taken: draw again.
            if _live_ticket_exists(db.session, ticket["show_id"], person.email, person.phone):
                raise Duplicate() from None
            attempts += 1
            continue
        return Registration(status, ticket["code"], ticket["token"], show_slug)
    raise RuntimeError("could not draw a free ticket code")


class _SeatRefused(Exception):
    """The show is full or people are waiting: the general path decides what happens."""


def _issue_to_newcomer(connection, show_slug: str, ticket: dict, now: datetime) -> str:
    """The common case, and all the time another writer waits for: the show's row, a free seat
    nobody waits for, the ticket and its e-mail. Core statements on the connection alone, so
    that it can share a group commit (database.group_write)."""
    # Read once for the whole group: nothing in it changes the show's columns but issued_count,
    # and that only tells "open" from "full", both open to registration.
    shows = transaction_memo(connection)
    if show_slug not in shows:
        shows[show_slug] = connection.execute(_SHOW, {"slug": show_slug}).one_or_none()
    show = shows[show_slug]
    if show is None:
        raise NotFound()
    ticket["show_id"] = show.id
    if not registration_is_open(show, now):
        raise RegistrationClosed()
    if not waitlist.take_seat_on(connection, show.id, unless_someone_waits=True):
        raise _SeatRefused()
    _insert_ticket(connection, ticket, "issued", now)
    return "issued"


def _insert_ticket(connection, ticket: dict, status: str, now: datetime) -> None:
    ticket_id = connection.execute(
        _INSERT_TICKET, dict(ticket, status=status, issued_at=now if status == "issued" else None)
    ).inserted_primary_key[0]
    outbox.enqueue_now(connection, ticket_id, "ticket", now)


def _insert(session, show_slug: str, ticket: dict, now: datetime, join_waitlist: bool) -> str:
    """The general case, in a transaction of its own: people waiting are promoted first, and a
    full show answers duplicate, full, a waitlist place, or waitlist closed."""
    connection = session.connection()
    show = connection.execute(_SHOW, {"slug": show_slug}).one_or_none()
    if show is None:
        raise NotFound()
    ticket["show_id"] = show.id
    if not registration_is_open(show, now):
        raise RegistrationClosed()
    if waitlist.is_open(show, now):
        waitlist.promote(session, session.get(Show, show.id), now)
    seat_taken = waitlist.take_seat(session, show.id)
    if not seat_taken:
        # The duplicate answer comes before "full", as it always did; rare, so looked up here.
        if _live_ticket_exists(session, show.id, ticket["email"], ticket["phone"]):
            raise Duplicate()
        if not join_waitlist:
            raise ShowFull()
        if not waitlist.is_open(show, now):
            raise WaitlistClosed()
    status = "issued" if seat_taken else "waitlisted"
    _insert_ticket(session.connection(), ticket, status, now)
    return status


def ticket_by_token(session, token: str) -> Ticket:
    """The ticket behind a link; NotFound for any other string."""
    if not token or len(token) > 64:
        raise NotFound()
    ticket = session.scalar(select(Ticket).where(Ticket.token == token))
    if ticket is None:
        raise NotFound()
    return ticket
