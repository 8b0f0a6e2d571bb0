"""The database schema: shows, tickets, staff, scans, the mail outbox and the audit log.

Every invariant of DESIGN.md §4 that a database can hold is held here too (unique and partial
unique indexes, check constraints); the domain modules give the friendly answer first.
"""

from __future__ import annotations

from datetime import datetime

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
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from .database import utcnow
from .extensions import db

LIVE_TICKET = text("status IN ('issued', 'waitlisted')")
UNCONFIRMED = text("confirmed_at IS NULL")


class Show(db.Model):
    __tablename__ = "shows"
    __table_args__ = (
        CheckConstraint("ticket_quota >= 0", name="ticket_quota_not_negative"),
        CheckConstraint("venue_capacity >= 0", name="venue_capacity_not_negative"),
        # The last defence of invariant 1: the counter can never pass the quota.
        CheckConstraint("issued_count >= 0 AND issued_count <= ticket_quota", name="issued_within_quota"),
        CheckConstraint("inside_count >= 0", name="inside_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(300))
    # The show's programme for its festival-page card, one item a line, in each language.
    programme_vi: Mapped[str] = mapped_column(Text, default="", server_default="")
    programme_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    # All datetimes are naive UTC in the database; pages convert to Asia/Ho_Chi_Minh.
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    doors_open_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    ticket_quota: Mapped[int] = mapped_column(Integer)
    venue_capacity: Mapped[int] = mapped_column(Integer)
    issued_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Places taken from the venue's capacity (the column keeps its old name, inside_count):
    # people inside plus the places gates hold in show_places, taken in blocks so that two
    # gates' admissions do not queue on this row (checkin/places.py). Never above capacity.
    # Show.inside_count, the people inside, is this less the places held (defined below).
    places_taken: Mapped[int] = mapped_column("inside_count", Integer, default=0, server_default="0")
    reentry_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    registration_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    registration_opens_at: Mapped[datetime] = mapped_column(DateTime)
    registration_closes_at: Mapped[datetime] = mapped_column(DateTime)
    waitlist_cutoff_minutes: Mapped[int] = mapped_column(Integer, default=120, server_default="120")
    # Whether the gate phones' offline ticket list may carry attendees' names (off: codes only).
    offline_names: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Days after the show ends before its tickets' personal data is erased (checkin/retention.py).
    retention_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")

    gates: Mapped[list[Gate]] = relationship(back_populates="show", order_by="Gate.position")

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_vi

    def programme(self, locale: str) -> str:
        """In the page's language; the other language's when only that one is written."""
        first, second = (
            (self.programme_en, self.programme_vi)
            if locale == "en"
            else (self.programme_vi, self.programme_en)
        )
        return first or second or ""

    @property
    def seats_left(self) -> int:
        return max(self.ticket_quota - self.issued_count, 0)


class Gate(db.Model):
    __tablename__ = "gates"
    __table_args__ = (UniqueConstraint("show_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)

    show: Mapped[Show] = relationship(back_populates="gates")


class Ticket(db.Model):
    """One registration: issued, waitlisted or cancelled. Holds the person's few data."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("status IN ('issued', 'waitlisted', 'cancelled')", name="ticket_status"),
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


class Staff(db.Model):
    __tablename__ = "staff"
    __table_args__ = (CheckConstraint("role IN ('volunteer', 'organiser')", name="staff_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # Bumped on deactivation and password reset so that existing sessions stop at once.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The show and gate a volunteer last chose at /gate/setup: lookups and the gate list are
    # limited to that show (least privilege at the gate).
    gate_show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="SET NULL"))
    gate_label: Mapped[str | None] = mapped_column(String(40))

    @property
    def is_organiser(self) -> bool:
        return self.role == "organiser"

    # The user protocol of Flask-Login, without importing it into the schema.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class StoredSigningKey(db.Model):
    """A ticket-signing key of the deployment, shared by every app server (keystore.py)."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(8), primary_key=True)
    # The newest signs. Unique, so two servers creating a first key, or two rotations at
    # once, cannot both win: the loser takes the winner's key.
    generation: Mapped[int] = mapped_column(Integer, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # raw 32 bytes
    # AES-GCM under a key derived from SECRET_KEY (signing.seal): a database dump alone
    # cannot forge tickets.
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # SHA-256 of the token: a leaked database does not leak usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20), default="api")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    staff: Mapped[Staff] = relationship()


class PairingCode(db.Model):
    """A one-time code shown as a QR by an organiser to log a volunteer's phone in."""

    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    gate: Mapped[str] = mapped_column(String(40))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Scan(db.Model):
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
    response: Mapped[dict] = mapped_column(JSON)
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


class OutboxMessage(db.Model):
    """Mail written in the same transaction as the ticket, delivered afterwards with retries."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "sent_at", "next_attempt_at"),
        # A ticket's messages: its page's history, its resends, its erasure (checkin/retention.py).
        Index("ix_outbox_ticket", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship()


class LookupRequest(db.Model):
    """A /find request waiting for the worker: the page answers after one INSERT whatever the
    address, so its timing tells nothing; the worker deletes the row when it has looked."""

    __tablename__ = "lookup_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuditUnlock(db.Model):
    """The one way past the audit log's append-only triggers: a row inserted and deleted inside
    the retention purge's own transaction (checkin/retention.py), never committed."""

    __tablename__ = "audit_unlock"

    id: Mapped[int] = mapped_column(primary_key=True)


class AuditEntry(db.Model):
    """Append-only record of organiser actions: who, when, what, before and after. Database
    triggers refuse UPDATE and DELETE (migration 0006) except through AuditUnlock."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_action_object", "action", "object_id", "actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class Reconfirmation(db.Model):
    """A show's day-before round of "are you still coming?" (checkin/reconfirmation.py): one per
    show; cancelling it and starting again reuses the row."""

    __tablename__ = "reconfirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), unique=True)
    deadline: Mapped[datetime] = mapped_column(DateTime)
    # When the reminder goes to those still silent; None: no reminder.
    remind_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when the worker has released every silent ticket after the deadline.
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Waitlisted people issued a seat freed by this round (declines and releases).
    promoted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ReconfirmationAnswer(db.Model):
    """One asked ticket and its holder's answer. `answer` changes only by conditional UPDATEs
    from NULL (silent), so "I'm coming" and the release at the deadline cannot both win."""

    __tablename__ = "reconfirmation_answers"
    __table_args__ = (
        CheckConstraint("answer IN ('coming', 'declined', 'released', 'void')", name="reconfirmation_answer"),
        Index("ix_reconfirmation_answers_round", "reconfirmation_id", "answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reconfirmation_id: Mapped[int] = mapped_column(ForeignKey("reconfirmations.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    # NULL silent; 'void': the ticket was cancelled or used otherwise before the release.
    answer: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)


class StandbyLine(db.Model):
    """A show's standby line (checkin/standby.py): numbers given out, numbers called, and when
    the organiser lets standby in and how many places are kept for late ticket holders."""

    __tablename__ = "standby_lines"
    __table_args__ = (
        CheckConstraint("called_up_to >= 0 AND called_up_to <= last_number", name="called_within_issued"),
        CheckConstraint("kept_places >= 0", name="kept_places_not_negative"),
    )

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), primary_key=True)
    # The last number given out: bumped by a conditional UPDATE in the pass's own transaction,
    # so numbers have no gaps and no duplicates whatever the rush.
    last_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    called_up_to: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Standby admission starts at this time, or once fewer than this many ticket holders are
    # still expected, whichever comes first; neither set: not yet.
    admission_starts_at: Mapped[datetime | None] = mapped_column(DateTime)
    start_below_expected: Mapped[int | None] = mapped_column(Integer)
    kept_places: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StandbyPass(db.Model):
    """One person in the standby line: a number and a signed pass (its own QR kind)."""

    __tablename__ = "standby_passes"
    __table_args__ = (
        UniqueConstraint("show_id", "number", name="uq_standby_number"),
        UniqueConstraint("show_id", "phone", name="uq_standby_phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The volunteer who added someone without a phone of their own.
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    admitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    admitted_gate: Mapped[str | None] = mapped_column(String(40))
    inside: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    show: Mapped[Show] = relationship()


class HolderMessage(db.Model):
    """An organiser's message to a show's holders (weather, a gate change, a delay), in both
    languages, queued to the outbox in batches (checkin/holder_messages.py)."""

    __tablename__ = "holder_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    audience: Mapped[str] = mapped_column(String(12))  # issued, waitlisted or all
    subject_vi: Mapped[str] = mapped_column(String(200))
    subject_en: Mapped[str] = mapped_column(String(200))
    body_vi: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    # The form's one-time key: the same form sent twice makes one message.
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Set once every recipient's e-mail is queued.
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)


class HolderMessageRecipient(db.Model):
    """One ticket a message goes to, once (unique), and its outbox row."""

    __tablename__ = "holder_message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "ticket_id", name="uq_message_recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("holder_messages.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), unique=True)


# School groups (issue 19) share this metadata.
from . import group_models  # noqa: E402,F401


class TicketQr(db.Model):
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


class ShowCount(db.Model):
    """The dashboard's counts of a show, kept by database triggers in the same transactions as
    the ticket and scan rows they count (migration 0013), split into shards by the counted row's
    id so that concurrent writers rarely meet on one row; a number is the sum of its shards.
    Names: 'waitlisted', 'cancelled', 'admitted_issued', 'admitted_other' (tickets),
    'g:<result>:<gate>' (scans not undone), 'a:<5-minute bucket>' (first entries not undone)."""

    __tablename__ = "show_counts"

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class ShowPlace(db.Model):
    """Places of a show's capacity held by one shard of its admissions (checkin/places.py): an
    admission takes one here (a conditional UPDATE of this row alone), and takes a block from the
    show's places_taken only when its shard has none left."""

    __tablename__ = "show_places"
    __table_args__ = (CheckConstraint("free >= 0", name="places_held_not_negative"),)

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    free: Mapped[int] = mapped_column(Integer)


# The people inside: the places taken less the places held, read in the same statement.
Show.inside_count = column_property(
    Show.places_taken
    - select(func.coalesce(func.sum(ShowPlace.free), 0))
    .where(ShowPlace.show_id == Show.id)
    .correlate_except(ShowPlace)
    .scalar_subquery()
)
