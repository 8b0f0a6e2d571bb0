"""Staff accounts: volunteers and organisers, their passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .database import transaction
from .errors import Duplicate, InvalidInput, NotFound
from .models import ApiToken, Staff
from .personal_data import normalize_name

ROLES = ("volunteer", "organiser")
# Checked against when the name is unknown, so that a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password")


def new_password() -> str:
    return secrets.token_urlsafe(12)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_staff(name: str, role: str, *, now: datetime, password: str | None = None) -> tuple[Staff, str]:
    """Creates an account and returns it with its password (generated unless given)."""
    errors: dict[str, str] = {}
    clean_name = normalize_name(name, "name", errors)
    if role not in ROLES:
        errors["role"] = "invalid_choice"
    if errors:
        raise InvalidInput(errors)
    password = password or new_password()
    try:
        with transaction() as session:
            staff = Staff(name=clean_name, role=role, password_hash=generate_password_hash(password),
                          active=True, session_version=1, created_at=now)
            session.add(staff)
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


def staff_for_token(session, token: str, now: datetime) -> Staff | None:
    if not token:
        return None
    row = session.execute(
        select(ApiToken, Staff)
        .join(Staff, Staff.id == ApiToken.staff_id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    api_token, staff = row
    if not staff.active or (api_token.expires_at is not None and api_token.expires_at <= now):
        return None
    return staff


def reset_password(name: str, *, now: datetime) -> str:
    """A new generated password; bumping the session version signs the account out everywhere."""
    password = new_password()
    with transaction() as session:
        staff = find_staff(session, name)
        staff.password_hash = generate_password_hash(password)
        staff.session_version += 1
    return password
