"""Staff accounts: volunteers and organisers, their passwords, API tokens, deactivation and
the one-time codes that pair a volunteer's phone."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .database import transaction
from .errors import Conflict, Duplicate, InvalidInput, NotFound
from .models import ApiToken, Gate, PairingCode, Show, Staff
from .personal_data import normalize_name

ROLES = ("volunteer", "organiser")
NAME_MAX = Staff.name.type.length  # the column's size (80), shorter than an attendee's name
# Checked against when the name is unknown, so that a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password")


def new_password() -> str:
    return secrets.token_urlsafe(12)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_staff(
    name: str, role: str, *, now: datetime, password: str | None = None, actor=None
) -> tuple[Staff, str]:
    """Creates an account and returns it with its password (generated unless given)."""
    errors: dict[str, str] = {}
    clean_name = normalize_name(name, "name", errors)
    if clean_name is not None and len(clean_name) > NAME_MAX:
        errors["name"] = "too_long"
    if role not in ROLES:
        errors["role"] = "invalid_choice"
    if errors:
        raise InvalidInput(errors)
    password = password or new_password()
    try:
        with transaction() as session:
            staff = Staff(
                name=clean_name,
                role=role,
                password_hash=generate_password_hash(password),
                active=True,
                session_version=1,
                created_at=now,
            )
            session.add(staff)
            session.flush()
            audit.record(
                session, actor, "staff.add", "staff", staff.id, None, {"name": staff.name, "role": role}, now
            )
    except IntegrityError:
        raise Duplicate("staff name taken") from None
    return staff, password


def find_staff(session, name: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.name == name))
    if staff is None:
        raise NotFound()
    return staff


def authenticate(session, name: str, password: str) -> Staff | None:
    staff = session.scalar(select(Staff).where(Staff.name == (name or "").strip()))
    if staff is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(staff.password_hash, password or "") or not staff.active:
        return None
    return staff


def issue_token(name: str, *, now: datetime) -> str:
    """A new bearer token for the API; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with transaction() as session:
        staff = find_staff(session, name)
        session.add(ApiToken(staff_id=staff.id, token_hash=hash_token(token), purpose="api", created_at=now))
    return token


# Every scan request looks its token up: one prebuilt Core statement, and the Staff built from
# its row outside the session (the ORM's loading cost as much CPU as the whole scan decision).
_TOKEN_LOOKUP = (
    select(*Staff.__table__.columns, ApiToken.expires_at.label("token_expires_at"))
    .join(ApiToken, ApiToken.staff_id == Staff.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def staff_for_token(session, token: str, now: datetime) -> Staff | None:
    """The active staff member a bearer token stands for, detached from the session (read only)."""
    if not token:
        return None
    row = session.connection().execute(_TOKEN_LOOKUP, {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    values = dict(row._mapping)
    expires_at = values.pop("token_expires_at")
    if not values["active"] or (expires_at is not None and expires_at <= now):
        return None
    return Staff(**values)


def reset_password(name: str, *, now: datetime, actor=None) -> str:
    """A new generated password; bumping the session version signs the account out everywhere."""
    password = new_password()
    with transaction() as session:
        staff = find_staff(session, name)
        staff.password_hash = generate_password_hash(password)
        staff.session_version += 1
        audit.record(
            session,
            actor,
            "staff.reset_password",
            "staff",
            staff.id,
            {"session_version": staff.session_version - 1},
            {"session_version": staff.session_version},
            now,
        )
    return password


def sign_out_everywhere(staff_id: int) -> None:
    """Signing out ends the session on the server too: a copy of the session or remember
    cookie taken before (a shared phone, a stolen cookie) names the old session version and is
    refused. Every device of the account signs out with it; a volunteer signs in again."""
    with transaction() as session:
        session.execute(
            update(Staff)
            .where(Staff.id == staff_id)
            .values(session_version=Staff.session_version + 1)
            .execution_options(synchronize_session=False)
        )


def get_staff(session, staff_id: int) -> Staff:
    account = session.get(Staff, staff_id)
    if account is None:
        raise NotFound()
    return account


def active_volunteers(session) -> list[Staff]:
    return list(
        session.scalars(
            select(Staff).where(Staff.role == "volunteer", Staff.active.is_(True)).order_by(Staff.name)
        )
    )


def list_staff(session) -> list[Staff]:
    return list(session.scalars(select(Staff).order_by(Staff.role.desc(), Staff.name)))


def deactivate(staff_id: int, *, now: datetime, actor=None) -> Staff:
    """Ends the account at once: its sessions (the session version moves on), its API tokens
    (revoked) and any pairing code not yet used. Organisers cannot lock themselves out."""
    if actor is not None and actor.id == staff_id:
        raise Conflict("cannot deactivate yourself")
    with transaction() as session:
        staff = session.get(Staff, staff_id)
        if staff is None:
            raise NotFound()
        before = {"active": staff.active, "session_version": staff.session_version}
        staff.active = False
        staff.session_version += 1
        revoked = session.execute(
            update(ApiToken)
            .where(ApiToken.staff_id == staff.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.execute(
            update(PairingCode)
            .where(PairingCode.staff_id == staff.id, PairingCode.used_at.is_(None))
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session,
            actor,
            "staff.deactivate",
            "staff",
            staff.id,
            before,
            {"active": False, "session_version": staff.session_version, "tokens_revoked": revoked},
            now,
        )
    return staff


PAIRING_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class Pairing:
    staff: Staff
    show_slug: str
    gate: str


def create_pairing(
    staff_id: int, show_slug: str, gate: str, *, now: datetime, actor=None
) -> tuple[str, datetime]:
    """A one-time code that signs a phone in as this volunteer at this show and gate; only
    its hash is stored. Returns the code and when it expires."""
    code = secrets.token_urlsafe(16)
    expires_at = now + PAIRING_LIFETIME
    with transaction() as session:
        staff = session.get(Staff, staff_id)
        if staff is None or not staff.active or staff.role != "volunteer":
            raise InvalidInput({"staff": "invalid_choice"})
        show = session.scalar(select(Show).where(Show.slug == show_slug))
        if show is None:
            raise InvalidInput({"show": "invalid_choice"})
        if session.scalar(select(Gate.id).where(Gate.show_id == show.id, Gate.label == gate)) is None:
            raise InvalidInput({"gate": "invalid_choice"})
        session.add(
            PairingCode(
                staff_id=staff.id,
                show_id=show.id,
                gate=gate,
                code_hash=hash_token(code),
                created_at=now,
                expires_at=expires_at,
            )
        )
        audit.record(
            session,
            actor,
            "staff.pair",
            "staff",
            staff.id,
            None,
            {"show": show.slug, "gate": gate, "expires_at": expires_at},
            now,
        )
    return code, expires_at


def redeem_pairing(code: str, *, now: datetime) -> Pairing:
    """Uses a pairing code once: a conditional UPDATE, so two phones racing for one code
    cannot both get in. NotFound for a used, expired or unknown code alike."""
    if not code or len(code) > 64:
        raise NotFound()
    with transaction() as session:
        pairing = session.scalar(select(PairingCode).where(PairingCode.code_hash == hash_token(code)))
        if pairing is None:
            raise NotFound()
        used = session.execute(
            update(PairingCode)
            .where(PairingCode.id == pairing.id, PairingCode.used_at.is_(None), PairingCode.expires_at > now)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        staff = session.get(Staff, pairing.staff_id)
        if not used or not staff.active:
            raise NotFound()
        show_slug = session.scalar(select(Show.slug).where(Show.id == pairing.show_id))
        audit.record(
            session,
            staff,
            "staff.paired",
            "staff",
            staff.id,
            None,
            {"show": show_slug, "gate": pairing.gate},
            now,
        )
    return Pairing(staff, show_slug, pairing.gate)
