"""The append-only audit log and its one way past the triggers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class AuditUnlock(Model):
    """The one way past the audit log's append-only triggers: a row inserted and deleted inside
    the retention purge's own transaction (checkin/retention.py), never committed."""

    __tablename__ = "audit_unlock"

    id: Mapped[int] = mapped_column(primary_key=True)


class AuditEntry(Model):
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
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
