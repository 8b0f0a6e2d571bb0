"""An attendee's own data, from the ticket link (Personal Data Protection Law 91/2025/QH15): see
everything kept, take a copy, correct the name, erase it, withdraw a guardian's consent.

Each action is audit-logged by what was done and to which ticket code, never with the data.
Erasing cancels first (the seat goes back, to the first in line if anyone waits), then
overwrites the personal columns (checkin/retention.py), in one transaction. A guardian who
withdraws consent erases the child's registration the same way: without consent there is no
ground to keep it.
"""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import select, update

from . import audit, retention, waitlist
from .database import transaction
from .errors import InvalidInput, NotFound
from .models import OutboxMessage, Scan, Show, Ticket
from .personal_data import normalize_name
from .registration import ticket_by_token


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat() + "Z"


def personal_data(session, token: str) -> dict:
    """Everything kept about the ticket behind a link, as plain values (the page and the JSON
    download show the same)."""
    ticket = ticket_by_token(session, token)
    show = session.get(Show, ticket.show_id)
    scans = session.execute(
        select(Scan.scanned_at, Scan.gate, Scan.direction, Scan.result)
        .where(Scan.ticket_id == ticket.id)
        .order_by(Scan.id)
    ).all()
    messages = session.execute(
        select(OutboxMessage.kind, OutboxMessage.created_at, OutboxMessage.sent_at)
        .where(OutboxMessage.ticket_id == ticket.id)
        .order_by(OutboxMessage.id)
    ).all()
    erased = ticket.erased_at is not None
    return {
        "show": show.slug,
        "ticket_code": ticket.code,
        "status": ticket.status,
        "personal": None
        if erased
        else {
            "name": ticket.name,
            "email": ticket.email,
            "phone": ticket.phone,
            "birth_year": ticket.birth_year,
            "guardian_name": ticket.guardian_name,
        },
        "language": ticket.locale,
        "privacy_notice_version": ticket.consent_version,
        "consent_at": _iso(ticket.consent_at),
        "guardian_consent_at": _iso(ticket.guardian_consent_at),
        "registered_at": _iso(ticket.created_at),
        "confirmed_at": _iso(ticket.confirmed_at),
        "issued_at": _iso(ticket.issued_at),
        "cancelled_at": _iso(ticket.cancelled_at),
        "erased_at": _iso(ticket.erased_at),
        "admitted_at": _iso(ticket.admitted_at),
        "admitted_gate": ticket.admitted_gate,
        "scans": [
            {"at": _iso(at), "gate": gate, "direction": direction, "result": result}
            for at, gate, direction, result in scans
        ],
        "emails": [
            {"kind": kind, "queued_at": _iso(created), "sent_at": _iso(sent)}
            for kind, created, sent in messages
        ],
    }


def _locked(session, token: str) -> Ticket:
    found = ticket_by_token(session, token)
    return session.scalars(
        select(Ticket)
        .where(Ticket.id == found.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def correct_name(token: str, raw_name: object, *, now: datetime) -> None:
    """Raises InvalidInput ({"name": code}) or NotFound (also for an erased ticket)."""
    errors: dict[str, str] = {}
    name = normalize_name(raw_name, "name", errors)
    if errors:
        raise InvalidInput(errors)
    with transaction() as session:
        ticket = _locked(session, token)
        if ticket.erased_at is not None:
            raise NotFound()
        session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(name=name)
            .execution_options(synchronize_session=False)
        )
        audit.record(session, None, "ticket.name_corrected_by_holder", "ticket", ticket.code, None, None, now)


def erase(
    token: str,
    *,
    now: datetime,
    guardian_withdrawal: bool = False,
    outbox_folder: str | os.PathLike | None = None,
) -> None:
    """Cancels the ticket if it is live and unused, and erases its personal data, and then the
    copies of its e-mails in `outbox_folder` (the demo's mail folder); raises NotFound.
    Erasing twice changes nothing more."""
    with transaction() as session:
        ticket = _locked(session, token)
        if guardian_withdrawal and not ticket.guardian_name:
            raise NotFound()
        if ticket.erased_at is not None:
            return
        was = ticket.status
        if was in ("issued", "waitlisted") and ticket.admitted_at is None:
            session.execute(
                update(Ticket)
                .where(Ticket.id == ticket.id, Ticket.status == was)
                .values(status="cancelled", cancelled_at=now)
                .execution_options(synchronize_session=False)
            )
            if was == "issued":
                show = waitlist.lock_show(session, ticket.show_id)
                if not waitlist.give_seat_back(session, show.id):
                    raise RuntimeError(f"show {show.id}: issued_count is 0 with an issued ticket")
                waitlist.promote(session, show, now)
        messages = retention.erase_ticket(session, ticket.id, now)
        action = "ticket.guardian_consent_withdrawn" if guardian_withdrawal else "ticket.erased_by_holder"
        audit.record(session, None, action, "ticket", ticket.code, {"status": was}, None, now)
    retention.delete_mail_files(outbox_folder, messages)
