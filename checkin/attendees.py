"""Organisers' view of attendees: search, a ticket's whole history, moving a ticket between
the waitlist and the issued tickets within the quota, resending its e-mail, admitting by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import uuid4

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from . import admission, audit, cancellation, waitlist
from .admission import search
from .database import transaction
from .errors import Conflict, InvalidInput, NotFound, ShowFull
from .group_models import GroupMember, GroupMessage, SchoolGroup
from .models import TICKET_STATUSES, AuditEntry, OutboxMessage, Scan, Show, Staff, Ticket
from .outbox import enqueue
from .tickets import parse_code


@dataclass(frozen=True)
class TicketFilter:
    show_id: int | None = None
    status: str | None = None
    query: str | None = None


def ticket_query(filters: TicketFilter):
    """A SELECT of (Ticket, Show.slug, SchoolGroup or None) matching the filters, newest first;
    the list page and the CSV export run the same statement. A school group's member has only
    placeholder contacts (group_tickets.member_contact): their group stands in for them."""
    query = (
        select(Ticket, Show.slug, SchoolGroup)
        .join(Show, Show.id == Ticket.show_id)
        .outerjoin(GroupMember, GroupMember.ticket_id == Ticket.id)
        .outerjoin(SchoolGroup, SchoolGroup.id == GroupMember.group_id)
    )
    if filters.show_id is not None:
        query = query.where(Ticket.show_id == filters.show_id)
    if filters.status in TICKET_STATUSES:
        query = query.where(Ticket.status == filters.status)
    text = (filters.query or "").strip()[:100]
    if text:
        read = search.read_query(text)
        # A school group's member has only a placeholder address: it matches no e-mail search.
        member_emails = [found & GroupMember.id.is_(None) for found in search.conditions(read, ["email"])]
        query = query.where(or_(*search.conditions(read, ["name", "code", "phone"]), *member_emails))
    return query.order_by(Ticket.created_at.desc(), Ticket.id.desc())


def list_tickets(session, filters: TicketFilter, *, limit: int) -> list:
    """The first `limit` rows of ticket_query: (Ticket, show slug)."""
    return list(session.execute(ticket_query(filters).limit(limit)).all())


def find_ticket(session, code: str) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.code == (parse_code(code) or "")))
    if ticket is None:
        raise NotFound()
    return ticket


@dataclass(frozen=True)
class HistoryEvent:
    at: datetime
    kind: str  # registered | issued | cancelled | mail | scan | action
    details: dict = field(default_factory=dict)


def ticket_history(session, ticket: Ticket) -> list[HistoryEvent]:
    """Everything that happened to a ticket, oldest first."""
    events = [HistoryEvent(ticket.created_at, "registered")]
    if ticket.issued_at:
        events.append(HistoryEvent(ticket.issued_at, "issued"))
    if ticket.cancelled_at:
        events.append(HistoryEvent(ticket.cancelled_at, "cancelled"))
    for message in session.scalars(
        select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id).order_by(OutboxMessage.id)
    ):
        events.append(
            HistoryEvent(
                message.created_at,
                "mail",
                {
                    "kind": message.kind,
                    "sent_at": message.sent_at,
                    "attempts": message.attempts,
                    "last_error": message.last_error,
                },
            )
        )
    for scan, staff_name in session.execute(
        select(Scan, Staff.name)
        .outerjoin(Staff, Staff.id == Scan.staff_id)
        .where(Scan.ticket_id == ticket.id)
        .order_by(Scan.id)
    ):
        events.append(
            HistoryEvent(
                scan.scanned_at,
                "scan",
                {
                    "result": scan.result,
                    "gate": scan.gate,
                    "direction": scan.direction,
                    "device": scan.device,
                    "method": scan.method,
                    "staff": staff_name,
                    "reason": scan.reason,
                    "undone": scan.undone_by_scan_id is not None,
                },
            )
        )
    for entry, staff_name in session.execute(
        select(AuditEntry, Staff.name)
        .outerjoin(Staff, Staff.id == AuditEntry.actor_id)
        .where(AuditEntry.object_type == "ticket", AuditEntry.object_id == ticket.code)
        .order_by(AuditEntry.id)
    ):
        events.append(
            HistoryEvent(
                entry.at,
                "action",
                {"action": entry.action, "staff": staff_name, "before": entry.before, "after": entry.after},
            )
        )
    events.sort(key=lambda event: event.at)
    return events


def move_ticket(code: str, to_status: str, *, now: datetime, actor=None) -> Ticket:
    """Waitlisted -> issued takes a seat under the quota; issued -> waitlisted gives one back
    (only for a ticket never admitted). Both are conditional UPDATEs of the ticket and the
    show's counter in one transaction, so a racing registration or a second click cannot
    push the show past its quota or count a seat twice."""
    if to_status not in ("issued", "waitlisted"):
        raise InvalidInput({"status": "invalid_choice"})
    with transaction() as session:
        ticket = find_ticket(session, code)
        if to_status == "issued":
            # Taking a seat locks the show first, then the waiting ticket, as promotion does.
            waitlist.lock_show(session, ticket.show_id)
            from_status = "waitlisted"
            seat: Callable[[Session, int], bool] = waitlist.take_seat
            moved = (
                update(Ticket)
                .where(Ticket.id == ticket.id, Ticket.status == "waitlisted")
                .values(status="issued", issued_at=now)
            )
        else:
            # Giving a seat back: the ticket first, then the show, as the gate and cancellation do.
            from_status = "issued"
            seat = waitlist.give_seat_back
            moved = (
                update(Ticket)
                .where(Ticket.id == ticket.id, Ticket.status == "issued", Ticket.admitted_at.is_(None))
                .values(status="waitlisted", issued_at=None)
            )
        if session.execute(moved.execution_options(synchronize_session=False)).rowcount != 1:
            raise Conflict(f"ticket is not {from_status} (or already admitted)")
        if not seat(session, ticket.show_id):
            raise ShowFull()
        if to_status == "issued":
            enqueue(session, ticket.id, "promoted", now)
        audit.record(
            session,
            actor,
            "ticket.move",
            "ticket",
            ticket.code,
            {"status": from_status},
            {"status": to_status},
            now,
        )
        session.expire(ticket)
    return ticket


def resend_mail(code: str, *, now: datetime, actor=None) -> bool:
    """Queues the ticket's e-mail again (the outbox workers deliver it). A school group member's
    address is a placeholder that reaches nobody (group_tickets.member_contact): the group's
    teacher gets the group's links and tickets again instead. True if it went to the group."""
    with transaction() as session:
        ticket = find_ticket(session, code)
        if ticket.status == "cancelled":
            raise Conflict("ticket cancelled")
        group_id = session.scalar(select(GroupMember.group_id).where(GroupMember.ticket_id == ticket.id))
        if group_id is None:
            queued = {"outbox_id": enqueue(session, ticket.id, "resend", now)}
        else:
            message = GroupMessage.due_now(group_id, "links", now)
            session.add(message)
            session.flush()
            queued = {"group_outbox_id": message.id}
        audit.record(session, actor, "ticket.resend", "ticket", ticket.code, None, queued, now)
    return group_id is not None


REASON_MAX = 200


def admit_by_hand(code: str, *, gate: str, reason: str, now: datetime, actor) -> admission.ScanResult:
    """An organiser lets a person in without a scan (a dead phone, a lost ticket checked
    against an ID). Every rule of the gate applies: it goes through the admission domain,
    which records the scan; the reason is kept in the audit log with the scan's id."""
    reason = " ".join((reason or "").split())
    errors = {}
    if not reason:
        errors["reason"] = "required"
    elif len(reason) > REASON_MAX:
        errors["reason"] = "too_long"
    if not (gate or "").strip():
        errors["gate"] = "required"
    elif len(gate) > admission.GATE_MAX:
        errors["gate"] = "too_long"
    if errors:
        raise InvalidInput(errors)
    actor_id = getattr(actor, "id", None)
    with transaction() as session:
        # The organiser admits to the ticket's own show (the console has no gate of one show).
        ticket = session.scalar(select(Ticket).where(Ticket.code == (parse_code(code) or "")))
        show_slug = ticket.show.slug if ticket is not None else None

    def record(connection, result: admission.ScanResult) -> None:
        audit.record_on(
            connection,
            actor_id,
            "ticket.admit_by_hand",
            "ticket",
            parse_code(code) or code,
            None,
            {"result": result.result, "scan_id": result.scan_id, "gate": gate.strip(), "reason": reason},
            now,
        )

    if show_slug is None:
        raise NotFound()
    return admission.admit_ticket(
        code,
        staff=actor,
        gate=gate.strip(),
        direction="in",
        client_scan_id=f"organiser-{uuid4().hex}",
        show_slug=show_slug,
        now=now,
        device="organiser console",
        then=record,
    )


def cancel(code: str, *, now: datetime, actor) -> cancellation.Cancellation:
    """Cancels as the attendee's own link would (the seat goes to the first in line)."""
    with transaction() as session:
        token = find_ticket(session, code).token
    return cancellation.cancel_ticket(token, now=now, actor=actor)
