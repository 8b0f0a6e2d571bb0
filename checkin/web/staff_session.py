"""Who is signed in: Flask-Login sessions for pages, bearer tokens for the API.

A session id carries the account's session_version, so deactivating an account or resetting
its password ends every session at once.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_login import LoginManager, current_user
from sqlalchemy import select

from ..database import utcnow
from ..extensions import csrf, db, login_manager
from ..models import Staff
from ..staff import staff_for_token
from .errors import json_error


def configure(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = None
    manager.session_protection = "basic"

    @manager.user_loader
    def load_staff(session_id: str):
        staff_id, _, version = session_id.partition(":")
        if not staff_id.isdigit() or not version.isdigit():
            return None
        staff = db.session.scalar(select(Staff).where(Staff.id == int(staff_id)))
        if staff is None or not staff.active or staff.session_version != int(version):
            return None
        return staff


def bearer_staff() -> Staff | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return staff_for_token(db.session, token.strip(), utcnow())


def api_staff_required(role: str | None = None):
    """For the JSON API: a bearer token, or a signed-in session (the scanner page's own calls,
    which then carry the CSRF token). 401 without either; 403 with the wrong role."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            staff = bearer_staff()
            if staff is None and current_user.is_authenticated:
                csrf.protect()
                staff = current_user._get_current_object()
            if staff is None:
                return json_error("unauthorized", 401)
            if role is not None and staff.role != role and not staff.is_organiser:
                return json_error("forbidden", 403)
            g.staff = staff
            return view(*args, **kwargs)

        return wrapped

    return decorator


def page_staff_required(role: str | None = None):
    """For pages: a signed-in session with the role (organisers may do what volunteers do)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if role is not None and current_user.role != role and not current_user.is_organiser:
                abort(403)
            g.staff = current_user._get_current_object()
            return view(*args, **kwargs)

        return wrapped

    return decorator
