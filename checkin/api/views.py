"""Public JSON endpoints: shows, registrations and the ticket-signing public keys."""

from __future__ import annotations

from flask import current_app, jsonify

from ..database import utcnow
from ..extensions import db, limiter
from ..registration import register
from ..shows import list_shows, registration_state, to_local
from ..web.locale import current_locale
from ..web.mail import hold_time
from . import bp
from .contract import operation
from .schemas import KeyList, RegistrationIn, RegistrationOut, ShowList


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
@operation("The shows, with seats left and registration state", answer=ShowList, tag="public")
def shows():
    now = utcnow()
    return jsonify({"shows": [show_json(show, now) for show in list_shows(db.session)]})


@bp.post("/shows/<slug>/registrations")
@limiter.limit(lambda: current_app.config["REGISTRATION_RATE_LIMIT"])
@operation(
    "Register for a free ticket: the ticket link travels by e-mail",
    body=RegistrationIn,
    answer=RegistrationOut,
    status=202,
    tag="public",
    errors={
        403: "registration_closed",
        404: "not_found (no such show)",
        409: "full (every ticket issued), waitlist_closed",
        422: "invalid (fields names each field's problem)",
        429: "rate_limited",
    },
)
def create_registration(slug: str, body: RegistrationIn):
    register(
        slug,
        body.model_dump(),
        now=utcnow(),
        locale=current_locale(),
        join_waitlist=body.waitlist is True,
        hold=hold_time(),
    )
    # The same for a new and a known person (DESIGN.md §5.2): the ticket link travels by e-mail.
    return jsonify({"status": "pending", "hold_minutes": int(hold_time().total_seconds() // 60)}), 202


@bp.get("/keys")
@operation("The public keys that verify tickets' QR signatures", answer=KeyList, tag="public")
def keys():
    return jsonify({"keys": current_app.extensions["checkin_keyring"].public_keys()})
