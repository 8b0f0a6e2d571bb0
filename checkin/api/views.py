"""Public JSON endpoints: shows, registrations and the ticket-signing public keys."""
from __future__ import annotations

from flask import current_app, jsonify, request

from ..database import utcnow
from ..errors import DomainError, InvalidInput
from ..extensions import db, limiter
from ..registration import register
from ..shows import list_shows, registration_state, to_local
from ..web.errors import domain_error_json
from ..web.locale import current_locale
from ..web.mail import hold_time
from . import bp

_REGISTRATION_FIELDS = {
    "name": str, "email": str, "phone": str, "birth_year": (int, str), "consent": bool,
    "guardian_name": (str, type(None)), "guardian_consent": (bool, type(None)),
    "waitlist": (bool, type(None)),
}


def _iso(utc):
    return to_local(utc).isoformat()


def show_json(show, now) -> dict:
    locale = current_locale()
    return {
        "slug": show.slug,
        "title": show.title(locale),
        "title_vi": show.title_vi,
        "title_en": show.title_en,
        "venue": show.venue,
        "doors_open_at": _iso(show.doors_open_at),
        "starts_at": _iso(show.starts_at),
        "ends_at": _iso(show.ends_at),
        "ticket_quota": show.ticket_quota,
        "seats_left": show.seats_left,
        "registration": registration_state(show, now),
        "registration_opens_at": _iso(show.registration_opens_at),
        "registration_closes_at": _iso(show.registration_closes_at),
    }


@bp.get("/shows")
def shows():
    now = utcnow()
    return jsonify({"shows": [show_json(show, now) for show in list_shows(db.session)]})


def _registration_values() -> dict:
    """The JSON body as plain values, or InvalidInput naming each field of the wrong type."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput({"_body": "not_an_object"})
    wrong = {name: "wrong_type" for name, kind in _REGISTRATION_FIELDS.items()
             if name in body and not isinstance(body[name], kind)}
    if isinstance(body.get("birth_year"), bool):
        wrong["birth_year"] = "wrong_type"
    if wrong:
        raise InvalidInput(wrong)
    return body


@bp.post("/shows/<slug>/registrations")
@limiter.limit(lambda: current_app.config["REGISTRATION_RATE_LIMIT"])
def create_registration(slug: str):
    try:
        values = _registration_values()
        register(slug, values, now=utcnow(), locale=current_locale(),
                 join_waitlist=values.get("waitlist") is True, hold=hold_time())
    except DomainError as error:
        return domain_error_json(error)
    # The same for a new and a known person (DESIGN.md §5.2): the ticket link travels by e-mail.
    return jsonify({"status": "pending", "hold_minutes": int(hold_time().total_seconds() // 60)}), 202


@bp.get("/keys")
def keys():
    return jsonify({"keys": current_app.extensions["checkin_keyring"].public_keys()})
