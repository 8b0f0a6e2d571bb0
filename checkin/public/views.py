"""Attendees' routes: parse, call one domain function, render."""
from __future__ import annotations

from flask import Response, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import bindparam, select

from .. import tickets, waitlist
from ..database import utcnow
from ..errors import DomainError, InvalidInput, NotFound
from ..extensions import db, limiter
from ..models import Show
from ..personal_data import PRIVACY_NOTICE_VERSION
from ..registration import register as register_person
from ..registration import ticket_by_token
from ..shows import list_shows, registration_state
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
    form = None
    error_code = None
    status = 200
    if request.method == "POST":
        # CSRFProtect checked the token before the view ran (g.csrf_valid). A registration that
        # succeeds is answered by a redirect alone: neither the show nor the form object is
        # built for it, only for a page shown again.
        if not g.get("csrf_valid"):
            form = RegistrationForm()
            if not form.validate():  # CSRF, should the global check ever be off
                error_code, status = "csrf", 400
        if error_code is None:
            try:
                registration = register_person(
                    slug, RegistrationForm.posted_values(request.form), now=utcnow(),
                    locale=current_locale(), join_waitlist=request.form.get("join_waitlist") == "1",
                )
            except InvalidInput as error:
                form = form or RegistrationForm()
                for name, code in error.fields.items():
                    getattr(form, name).errors = [field_message(code)]
                error_code, status = error.code, 422
            except DomainError as error:
                error_code, status = error.code, STATUS.get(error.code, 400)
            else:
                return redirect(url_for("public.ticket", token=registration.token), code=303)
    show = _show(slug)
    state = registration_state(show, utcnow())
    return render_template(
        "public/register.html", show=show, form=form or RegistrationForm(), state=state,
        error_code=error_code, waitlist_open=state == "full" and waitlist.is_open(show, utcnow()),
        error=error_message(error_code) if error_code else None,
    ), status


_SHOW = select(*Show.__table__.columns).where(Show.slug == bindparam("slug"))


def _show(slug: str) -> Show:
    """The show's row as a Show outside the session, for a page to read: the ORM's loading
    machinery cost a sixth of the registration page."""
    row = db.session.connection().execute(_SHOW, {"slug": slug}).one_or_none()
    if row is None:
        raise NotFound()
    return Show(**row._mapping)


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
