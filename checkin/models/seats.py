"""Seats given back and taken: reconfirmation rounds and the standby line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .shows import Show


class Reconfirmation(Model):
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


class ReconfirmationAnswer(Model):
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


class StandbyLine(Model):
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


class StandbyPass(Model):
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
