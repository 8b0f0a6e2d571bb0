"""Staff accounts, their API tokens and pairing codes, and the stored signing keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model


class Staff(Model):
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


class StoredSigningKey(Model):
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


class ApiToken(Model):
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


class PairingCode(Model):
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
