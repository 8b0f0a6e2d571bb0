"""Shows and their gates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    inside_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
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
