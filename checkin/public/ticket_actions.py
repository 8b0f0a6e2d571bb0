"""What a ticket holder can do besides looking at the ticket: add it to a calendar, cancel it,
and find it again when the link is lost."""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from ..calendar import ticket_calendar
from ..cancellation import can_cancel, cancel_ticket
from ..database import utcnow
from ..errors import NotFound
from ..extensions import db, limiter
from ..recovery import normalize_contact, request_lookup
from ..registration import ticket_by_token
from ..tickets import format_code
from ..web.locale import current_locale
from . import bp


class FindForm(FlaskForm):
    contact = StringField(
        _l("E-mail or phone number"),
        render_kw={
            "maxlength": 254,
            "autocomplete": "email",
            "inputmode": "email",
            "placeholder": "ban@example.com / 0912 345 678",
        },
    )


@bp.get("/t/<token>/ticket.ics")
def ticket_ics(token: str):
    ticket = ticket_by_token(db.session(), token)
    if ticket.status != "issued":
        raise NotFound()
    show = ticket.show
    locale = current_locale()
    ticket_url = url_for("public.ticket", token=token, _external=True)
    body = ticket_calendar(
        show,
        code=ticket.code,
        title=show.title(locale),
        ticket_url=ticket_url,
        now=utcnow(),
        description=render_template(
            "email/calendar.txt",
            ticket=ticket,
            show=show,
            code=format_code(ticket.code),
            ticket_url=ticket_url,
        ).strip(),
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="ve-{ticket.code}.ics"'},
    )


@bp.route("/t/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    ticket = ticket_by_token(db.session(), token)
    if not can_cancel(ticket):
        return redirect(url_for("public.ticket", token=token), code=303)
    if request.method == "POST":  # CSRFProtect has checked the token of the confirmation step
        cancel_ticket(token, now=utcnow())
        return redirect(url_for("public.ticket", token=token), code=303)
    return render_template(
        "public/cancel.html", ticket=ticket, show=ticket.show, code=format_code(ticket.code)
    )


def _find_limit() -> str:
    return current_app.config["FIND_RATE_LIMIT"]


def _find_address_limit() -> str:
    return current_app.config["FIND_ADDRESS_RATE_LIMIT"]


def _address_key() -> str:
    """The address asked about, normalised, so that spellings of one address share a limit."""
    raw = request.form.get("contact", "")
    return "find:" + (normalize_contact(raw) or " ".join(raw.lower().split())[:254])


@bp.route("/find", methods=["GET", "POST"])
@limiter.limit(_find_limit, methods=["POST"])
@limiter.limit(_find_address_limit, key_func=_address_key, methods=["POST"])
def find():
    form = FindForm()
    if request.method == "POST":  # CSRFProtect has checked the token
        contact = normalize_contact(form.contact.data)
        if contact is not None:
            request_lookup(contact, now=utcnow())
            # The same page whether or not a ticket was found: it reveals nobody's registration.
            return render_template("public/find_sent.html")
        form.contact.errors = [_l("Please enter the e-mail address or phone number you registered with.")]
        return render_template("public/find.html", form=form), 422
    return render_template("public/find.html", form=form)
