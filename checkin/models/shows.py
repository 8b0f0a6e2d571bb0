"""Shows, their gates, the places their gates hold and their dashboard counters."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from .base import Model


class Show(Model):
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
    places_taken: Mapped[int] = mapped_column("inside_count", Integer, default=0, server_default="0")
    if TYPE_CHECKING:
        # The people inside: places_taken less the places held, a column_property set below
        # ShowPlace (it reads that table).
        inside_count: Mapped[int]
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


class Gate(Model):
    __tablename__ = "gates"
    __table_args__ = (UniqueConstraint("show_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)

    show: Mapped[Show] = relationship(back_populates="gates")


class ShowCount(Model):
    """The dashboard's counts of a show, kept by database triggers in the same transactions as
    the ticket and scan rows they count (migration 0013), split into shards by the counted row's
    id so that concurrent writers rarely meet on one row; a number is the sum of its shards.
    Names: 'waitlisted', 'cancelled', 'admitted_issued', 'admitted_other' (tickets),
    'g:<result>:<gate>' (scans not undone), 'a:<5-minute bucket>' (first entries not undone)."""

    __tablename__ = "show_counts"

    # No foreign key (migration 0014): its check on a counter row's first insert, inside the
    # counted row's trigger, locked the show's row and deadlocked cancellations and promotions.
    show_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class ShowPlace(Model):
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
