"""Finding a lost ticket: the live tickets of an e-mail address or phone number are sent again
to the e-mail address on each ticket. The caller learns nothing about whether any exist."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from .database import transaction
from .mail import outbox
from .models import Show, Ticket
from .personal_data import normalize_email, normalize_phone


def normalize_contact(raw: object) -> str | None:
    """An e-mail address (lower case) or a phone number (E.164), or None if it is neither."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    errors: dict[str, str] = {}
    if "@" in raw:
        return normalize_email(raw, errors)
    return normalize_phone(raw, errors)


def resend_tickets(contact: str, *, now: datetime) -> int:
    """Queues a "resend" message for each live ticket of a show not yet over; returns how many
    (for tests and logs, never for the person asking). A resend still waiting is not doubled."""
    with transaction() as session:
        ticket_ids = session.scalars(
            select(Ticket.id).join(Show)
            .where(or_(Ticket.email == contact, Ticket.phone == contact),
                   Ticket.status.in_(("issued", "waitlisted")), Show.ends_at > now)
            .order_by(Ticket.id)
        ).all()
        queued = 0
        for ticket_id in ticket_ids:
            if not outbox.resend_pending(session, ticket_id):
                outbox.enqueue(session, ticket_id, "resend", now)
                queued += 1
        return queued
