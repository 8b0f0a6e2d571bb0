"""Tickets, their states, and the append-only scan log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from .base import Model
from .shows import Show

# A ticket's states, the one list (the schema's check, the console's labels and filter, the
# statistics): issued (a seat), waitlisted (a place in line), cancelled. Live: not cancelled.
TICKET_STATUSES = ("issued", "waitlisted", "cancelled")
LIVE_STATUSES = TICKET_STATUSES[:2]


def _status_in(statuses: tuple[str, ...]) -> str:
    """The SQL text of the partial indexes and the check: literal, for SQLite to match them."""
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


LIVE_TICKET = text(_status_in(LIVE_STATUSES))
UNCONFIRMED = text("confirmed_at IS NULL")


class Ticket(Model):
    """One registration: issued, waitlisted or cancelled. Holds the person's few data."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_status_in(TICKET_STATUSES), name="ticket_status"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        # Invariant 4 under races: one live ticket per show per e-mail and per phone.
        Index(
            "uq_live_ticket_email",
            "show_id",
            "email",
            unique=True,
            sqlite_where=LIVE_TICKET,
            postgresql_where=LIVE_TICKET,
        ),
        Index(
            "uq_live_ticket_phone",
            "show_id",
            "phone",
            unique=True,
            sqlite_where=LIVE_TICKET,
            postgresql_where=LIVE_TICKET,
        ),
        Index("ix_tickets_show_status", "show_id", "status", "id"),
        Index("ix_tickets_email", "email"),
        Index("ix_tickets_phone", "phone"),
        # Covers the dashboard's count per status (admitted, inside) without reading rows.
        Index("ix_tickets_show_stats", "show_id", "status", "admitted_at", "inside"),
        # The gate phones' incremental sync: what changed in a show since a time.
        Index("ix_tickets_show_updated", "show_id", "updated_at"),
        # Holds waiting for their e-mail's confirmation, by when they lapse (checkin/holds.py).
        Index(
            "ix_tickets_unconfirmed",
            "show_id",
            "hold_expires_at",
            sqlite_where=UNCONFIRMED,
            postgresql_where=UNCONFIRMED,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    # The short code a volunteer can type; not secret.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    # The secret in the ticket link (/t/<token>), at least 128 bits.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(20))
    birth_year: Mapped[int] = mapped_column(Integer)
    guardian_name: Mapped[str | None] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    consent_version: Mapped[str] = mapped_column(String(20))
    consent_at: Mapped[datetime] = mapped_column(DateTime)
    guardian_consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # A registration is a hold until the link in its e-mail is opened: it takes its seat (or
    # place in line) at once, and gives it back if not confirmed by hold_expires_at.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    hold_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when the personal columns were overwritten (checkin/retention.py); the row stays for
    # the counts and the scan log.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Admission state, changed only by conditional updates (invariant 2).
    admitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    admitted_gate: Mapped[str | None] = mapped_column(String(40))
    inside: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Set by every INSERT and UPDATE (ORM and Core alike, through onupdate), so the gate
    # phones' incremental sync (checkin/offline.py) sees every change of state.
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    show: Mapped[Show] = relationship()


class Scan(Model):
    """The append-only scan log: every scan, whatever its result."""

    __tablename__ = "scans"
    __table_args__ = (
        Index("ix_scans_show_recorded", "show_id", "recorded_at"),
        Index("ix_scans_ticket", "ticket_id", "id"),
        # Cover the dashboard's per-gate counts and arrivals per 5 minutes (checkin/stats.py).
        Index("ix_scans_show_gate_result", "show_id", "gate", "result", "undone_by_scan_id"),
        Index("ix_scans_show_result_scanned", "show_id", "result", "scanned_at", "undone_by_scan_id"),
        # Admissions by hand per volunteer (checkin/stats.py volunteer_counts).
        Index("ix_scans_show_method", "show_id", "method", "staff_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Invariant 6: a client-generated id, sent again, finds the first answer here.
    client_scan_id: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id"))
    gate: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(4))
    result: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(10), default="qr")
    device: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(String(200))
    scanned_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Set when a volunteer undoes this admission; the row itself is never deleted.
    undone_by_scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id"))
    # Decided on the phone without the server (sent late, from its offline queue).
    offline: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # A 'conflict' row points to the admission that stands instead of it.
    conflict_with_scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id"))
    # What was asked (method, direction, payload or code), hashed: a client id sent again with
    # another request, or by another volunteer, is refused (scan_id_reused), never answered.
    request_digest: Mapped[str | None] = mapped_column(String(64))
    # What the phone answered when it decided offline (admission.LOCAL_RESULTS).
    local_result: Mapped[str | None] = mapped_column(String(20))
    # A move of the ticket (in or out) that its history is replayed from, in device-time order
    # (checkin/history.py); refusals and undone rows are not part of it.
    in_history: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class TicketQr(Model):
    """A ticket's QR images, drawn once (by the mail worker before the ticket's link goes out,
    or by the first view that finds none) and served from here: drawing costs tens of ms of
    CPU, which a surge of people opening their links must not pay (issue 20). `etag` is the
    signed payload's hash (tickets.payload_etag): images of another key's payload are redrawn.
    No personal data: the payload is the signed code (invariant 5)."""

    __tablename__ = "ticket_qr"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    etag: Mapped[str] = mapped_column(String(32))
    svg: Mapped[str] = mapped_column(Text)
    png: Mapped[bytes] = mapped_column(LargeBinary)
