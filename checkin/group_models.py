"""The schema of school groups (issue 19): a teacher's group, its roster and each pupil's
guardian consent. Kept beside models.py, which imports it, so that the tables are one metadata.

Held places live in the show's own counter (shows.issued_count), taken by the same conditional
UPDATE as a registration; `held_places` says how many of them this group holds, so that a
cancellation, a resize or the deadline gives back exactly those.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import Model

GROUP_STATES = ("requested", "held", "cancelled")


class GroupSettings(Model):
    """A show's rules for school groups; a show without a row takes no groups."""

    __tablename__ = "group_settings"
    __table_args__ = (CheckConstraint("max_group_size > 0", name="group_size_positive"),)

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    max_group_size: Mapped[int] = mapped_column(Integer)
    # On: a request waits for an organiser, and its places are held only when approved.
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # When unfilled held places go back to the public pool (None: never by themselves).
    roster_deadline: Mapped[datetime | None] = mapped_column(DateTime)


class SchoolGroup(Model):
    __tablename__ = "school_groups"
    __table_args__ = (
        CheckConstraint("state IN ('requested', 'held', 'cancelled')", name="group_state"),
        CheckConstraint("pupils >= 0 AND adults >= 1", name="group_counts"),
        CheckConstraint("held_places >= 0", name="group_held_not_negative"),
        Index("ix_school_groups_show", "show_id", "school", "class_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    # The secret of the teacher's private link (/g/<token>), 192 bits; revocable by rotation.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(12))
    # The group pass's short code, signed into its QR (checkin/group_pass.py); not secret.
    pass_code: Mapped[str] = mapped_column(String(12), unique=True)
    school: Mapped[str] = mapped_column(String(200))
    class_name: Mapped[str] = mapped_column(String(40))
    teacher_name: Mapped[str] = mapped_column(String(100))
    teacher_email: Mapped[str] = mapped_column(String(254))
    teacher_phone: Mapped[str] = mapped_column(String(20))
    pupils: Mapped[int] = mapped_column(Integer)
    adults: Mapped[int] = mapped_column(Integer)
    # Places of the show's quota this group holds now (pupils + adults once held, else 0).
    held_places: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    notice_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)


class GroupMember(Model):
    """A pupil or accompanying adult on a group's roster, with the pupil's guardian consent."""

    __tablename__ = "group_members"
    __table_args__ = (
        CheckConstraint("kind IN ('pupil', 'adult')", name="member_kind"),
        CheckConstraint("consent_way IS NULL OR consent_way IN ('online', 'paper')", name="consent_way"),
        # A consent names its way, its time and the notice shown, or it is no consent.
        CheckConstraint(
            "(consent_way IS NULL) = (consent_at IS NULL) AND (consent_way IS NULL) = "
            "(consent_notice_version IS NULL)",
            name="consent_complete",
        ),
        Index("ix_group_members_group", "group_id", "kind", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("school_groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(6))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    # The secret of this pupil's consent link (/c/<token>), for the guardian; None once revoked.
    consent_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    consent_way: Mapped[str | None] = mapped_column(String(6))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    consent_notice_version: Mapped[str | None] = mapped_column(String(20))
    # The guardian's name (online) or the attesting teacher's (paper).
    consent_by: Mapped[str | None] = mapped_column(String(100))
    # The member's ticket, once consented (or an adult): scans alone at the gate.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)


REMINDER = text("kind = 'reminder'")


class GroupMessage(Model):
    """Mail to a group's teacher (its links, a reminder of missing consents), written in the
    transaction that asks for it and delivered by the worker with retries (checkin/group_mail.py)."""

    __tablename__ = "group_outbox"
    __table_args__ = (
        CheckConstraint("kind IN ('links', 'reminder')", name="group_message_kind"),
        Index("ix_group_outbox_due", "sent_at", "next_attempt_at"),
        # One reminder a group, however many workers look for due reminders at once.
        Index("uq_group_reminder", "group_id", unique=True, sqlite_where=REMINDER, postgresql_where=REMINDER),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("school_groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))

    @classmethod
    def due_now(cls, group_id: int, kind: str, now: datetime) -> GroupMessage:
        return cls(group_id=group_id, kind=kind, created_at=now, next_attempt_at=now)
