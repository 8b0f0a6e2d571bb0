"""Registering for a show: one transaction that never oversells (invariants 1 and 4)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from . import tickets, waitlist
from .database import transaction
from .errors import Duplicate, NotFound, RegistrationClosed, ShowFull, WaitlistClosed
from .mail import outbox
from .models import LIVE_TICKET, Show, Ticket
from .personal_data import PRIVACY_NOTICE_VERSION, validate_registrant
from .shows import registration_is_open

_CODE_ATTEMPTS = 5


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
    who gets the last seat; the partial unique indexes catch a duplicate that races past the
    friendly check. A refusal says nothing about the existing ticket.
    """
    person = validate_registrant(values, now)
    with transaction() as session:
        # Locked so that joining the waitlist cannot slip between a freed seat and its promotion.
        show = session.scalar(select(Show).where(Show.slug == show_slug).with_for_update())
        if show is None:
            raise NotFound()
        if not registration_is_open(show, now):
            raise RegistrationClosed()
        if _live_ticket_exists(session, show.id, person.email, person.phone):
            raise Duplicate()
        waitlist.promote(session, show, now)  # people already waiting come before a newcomer
        seat_taken = waitlist.take_seat(session, show.id)
        if not seat_taken and not join_waitlist:
            raise ShowFull()
        if not seat_taken and not waitlist.is_open(show, now):
            raise WaitlistClosed()
        status = "issued" if seat_taken else "waitlisted"
        for _ in range(_CODE_ATTEMPTS):
            ticket = Ticket(
                show_id=show.id,
                code=tickets.new_code(),
                token=tickets.new_token(),
                status=status,
                name=person.name,
                email=person.email,
                phone=person.phone,
                birth_year=person.birth_year,
                guardian_name=person.guardian_name,
                locale=locale,
                consent_version=PRIVACY_NOTICE_VERSION,
                consent_at=now,
                guardian_consent_at=now if person.guardian_consent else None,
                created_at=now,
                issued_at=now if seat_taken else None,
            )
            try:
                with session.begin_nested():
                    session.add(ticket)
            except IntegrityError:
                if _live_ticket_exists(session, show.id, person.email, person.phone):
                    raise Duplicate() from None
                continue  # a ticket code collided: draw another
            outbox.enqueue(session, ticket.id, "ticket", now)
            return Registration(status, ticket.code, ticket.token, show.slug)
        raise RuntimeError("could not draw a free ticket code")


def ticket_by_token(session, token: str) -> Ticket:
    """The ticket behind a link; NotFound for any other string."""
    if not token or len(token) > 64:
        raise NotFound()
    ticket = session.scalar(select(Ticket).where(Ticket.token == token))
    if ticket is None:
        raise NotFound()
    return ticket
