"""Attendees' routes: parse, call one domain function, render."""
from __future__ import annotations

from flask import Response, current_app, redirect, render_template, url_for

from .. import tickets, waitlist
from ..database import utcnow
from ..errors import DomainError, InvalidInput, NotFound
from ..extensions import db, limiter
from ..personal_data import PRIVACY_NOTICE_VERSION
from ..registration import register as register_person
from ..registration import ticket_by_token
from ..shows import get_show, list_shows, registration_state
from ..web.errors import STATUS
from ..web.locale import current_locale
from ..web.messages import error_message, field_message
from . import bp
from .forms import RegistrationForm


def _keyring():
    return current_app.extensions["checkin_keyring"]


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


@bp.get("/")
def index():
    now = utcnow()
    shows = [(show, registration_state(show, now)) for show in list_shows(db.session)]
    return render_template("public/index.html", shows=shows)


@bp.get("/privacy")
def privacy():
    return render_template("public/privacy.html", version=PRIVACY_NOTICE_VERSION)


@bp.route("/shows/<slug>/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def register(slug: str):
    show = get_show(db.session, slug)
    form = RegistrationForm()
    state = registration_state(show, utcnow())
    error_code = None
    status = 200
    if form.is_submitted():
        if not form.validate():  # only CSRF can fail here; the domain checks the fields
            error_code, status = "csrf", 400
        else:
            try:
                registration = register_person(
                    slug, form.values(), now=utcnow(), locale=current_locale(),
                    join_waitlist=form.join_waitlist.data == "1",
                )
            except InvalidInput as error:
                for name, code in error.fields.items():
                    getattr(form, name).errors = [field_message(code)]
                error_code, status = error.code, 422
            except DomainError as error:
                error_code, status = error.code, STATUS.get(error.code, 400)
            else:
                return redirect(url_for("public.ticket", token=registration.token), code=303)
            db.session.expire_all()
            state = registration_state(show, utcnow())
    return render_template(
        "public/register.html", show=show, form=form, state=state, error_code=error_code,
        waitlist_open=state == "full" and waitlist.is_open(show, utcnow()),
        error=error_message(error_code) if error_code else None,
    ), status


@bp.get("/t/<token>")
def ticket(token: str):
    ticket = ticket_by_token(db.session, token)
    payload = tickets.sign_payload(ticket.code, _keyring()) if ticket.status == "issued" else None
    return render_template(
        "public/ticket.html", ticket=ticket, show=ticket.show,
        qr_svg=tickets.qr_svg(payload) if payload else None,
        code=tickets.format_code(ticket.code), position=waitlist.position(db.session, ticket),
    )


def _payload_for(token: str) -> tuple[str, str]:
    ticket = ticket_by_token(db.session, token)
    if ticket.status != "issued":
        raise NotFound()
    return ticket.code, tickets.sign_payload(ticket.code, _keyring())


@bp.get("/t/<token>/qr.svg")
def ticket_qr_svg(token: str):
    _, payload = _payload_for(token)
    return Response(tickets.qr_svg(payload), mimetype="image/svg+xml")


@bp.get("/t/<token>/qr.png")
def ticket_qr_png(token: str):
    code, payload = _payload_for(token)
    return Response(
        tickets.qr_png(payload), mimetype="image/png",
        headers={"Content-Disposition": f'attachment; filename="ve-{code}.png"'},
    )
