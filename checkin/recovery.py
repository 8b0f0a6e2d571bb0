"""Finding a lost ticket: the live tickets of an e-mail address or phone number are sent again
to the e-mail address on each ticket. The caller learns nothing about whether any exist, not even
from the time the answer takes: the page only queues the request (one INSERT, whatever the
address), and the worker looks it up and queues the messages (process_lookups)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, or_, select

from . import outbox
from .database import transaction
from .models import LookupRequest, Show, Ticket
from .personal_data import normalize_email, normalize_phone


def normalize_contact(raw: object) -> str | None:
    """An e-mail address (lower case) or a phone number (E.164), or None if it is neither."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    errors: dict[str, str] = {}
    if "@" in raw:
        return normalize_email(raw, errors)
    return normalize_phone(raw, errors)


_QUEUE = insert(LookupRequest)


def request_lookup(contact: str, *, now: datetime) -> None:
    """What /find does while the person waits: the same single INSERT for any address."""
    with transaction() as session:
        session.connection().execute(_QUEUE, {"contact": contact, "created_at": now})


def process_lookups(*, now: datetime, limit: int = 50) -> int:
    """The worker's part: each queued request is looked up and deleted in one transaction;
    returns how many messages were queued."""
    queued = 0
    with transaction() as session:
        requests = session.execute(
            select(LookupRequest.id, LookupRequest.contact).order_by(LookupRequest.id).limit(limit)
        ).all()
        for request in requests:
            queued += _resend(session, request.contact, now)
            session.execute(delete(LookupRequest).where(LookupRequest.id == request.id))
    return queued


def resend_tickets(contact: str, *, now: datetime) -> int:
    """Queues the messages of one address at once (the command line, tests)."""
    with transaction() as session:
        return _resend(session, contact, now)


def _resend(session, contact: str, now: datetime) -> int:
    """Queues a "resend" message for each live ticket of a show not yet over (a "confirm" for a
    hold still unconfirmed); returns how many, for tests and logs, never for the person asking.
    A resend still waiting is not doubled."""
    rows = session.execute(
        select(Ticket.id, Ticket.confirmed_at)
        .join(Show)
        .where(
            or_(Ticket.email == contact, Ticket.phone == contact),
            Ticket.status.in_(("issued", "waitlisted")),
            Show.ends_at > now,
        )
        .order_by(Ticket.id)
    ).all()
    queued = 0
    for ticket_id, confirmed_at in rows:
        if not outbox.resend_pending(session, ticket_id):
            outbox.enqueue(session, ticket_id, "resend" if confirmed_at else "confirm", now)
            queued += 1
    return queued
