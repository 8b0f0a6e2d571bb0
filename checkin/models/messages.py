"""The outbox, lookup requests (/find) and organisers' messages to a show's holders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .tickets import Ticket


class OutboxMessage(Model):
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


class LookupRequest(Model):
    """A /find request waiting for the worker: the page answers after one INSERT whatever the
    address, so its timing tells nothing; the worker deletes the row when it has looked."""

    __tablename__ = "lookup_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class HolderMessage(Model):
    """An organiser's message to a show's holders (weather, a gate change, a delay), in both
    languages, queued to the outbox in batches (checkin/holder_messages.py)."""

    __tablename__ = "holder_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    audience: Mapped[str] = mapped_column(String(12))  # issued, waitlisted, standby or all
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


class HolderMessageRecipient(Model):
    """One ticket a message goes to, once (unique), and its outbox row."""

    __tablename__ = "holder_message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "ticket_id", name="uq_message_recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("holder_messages.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), unique=True)
