"""Attendees: search, a ticket with its whole history, and what an organiser may do to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import attendees, group_tickets
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..shows import gates_of
from ..web.messages import error_message
from ..web.scan_messages import scan_message
from . import bp
from .feedback import show_error
from .filters import ticket_filter
from .forms import ActionForm, AdmitForm, MoveForm
from .history import collapsed

PAGE_ROWS = 100


@bp.route("/attendees", methods=["GET", "POST"])
def attendees_list():
    form, filters = ticket_filter()
    rows = attendees.list_tickets(db.session, filters, limit=PAGE_ROWS) if filters else []
    return render_template(
        "organiser/attendees.html", form=form, rows=rows, limit=PAGE_ROWS
    ), 200 if filters else 422


def _ticket_page(code: str, status: int = 200, admit_form: AdmitForm | None = None):
    ticket = attendees.find_ticket(db.session, code)
    gates = [gate.label for gate in gates_of(db.session, ticket.show_id)]
    admit_form = admit_form or AdmitForm(formdata=None, gate=gates[0] if gates else "")
    return render_template(
        "organiser/ticket.html",
        ticket=ticket,
        group=group_tickets.group_of(db.session, ticket.id),
        show=ticket.show,
        history=collapsed(attendees.ticket_history(db.session, ticket)),
        action=ActionForm(),
        move=MoveForm(),
        admit=admit_form,
        gates=gates,
    ), status


@bp.get("/tickets/<code>")
def ticket(code: str):
    return _ticket_page(code)


def _after(code: str, change, done_message: str | Callable[[Any], str]):
    """Runs one change from the ticket page; back to the page with a notice either way (the
    notice of a change done may depend on what the change returned)."""
    if not ActionForm().validate_on_submit():
        flash(error_message("csrf"), "error")
    else:
        try:
            done = change()
        except DomainError as error:
            show_error(error)
        else:
            flash(done_message(done) if callable(done_message) else done_message, "ok")
    return redirect(url_for("organiser.ticket", code=code), code=303)


@bp.post("/tickets/<code>/cancel")
def ticket_cancel(code: str):
    return _after(code, lambda: attendees.cancel(code, now=utcnow(), actor=g.staff), _("Ticket cancelled."))


@bp.post("/tickets/<code>/resend")
def ticket_resend(code: str):
    return _after(
        code,
        lambda: attendees.resend_mail(code, now=utcnow(), actor=g.staff),
        lambda to_group: (
            _("The group's teacher will be sent the group's tickets again shortly.")
            if to_group
            else _("The e-mail will be sent again shortly.")
        ),
    )


@bp.post("/tickets/<code>/move")
def ticket_move(code: str):
    form = MoveForm()
    return _after(
        code,
        lambda: attendees.move_ticket(code, form.status.data, now=utcnow(), actor=g.staff),
        _("Ticket moved."),
    )


@bp.post("/tickets/<code>/admit")
def ticket_admit(code: str):
    form = AdmitForm()
    if not form.validate_on_submit():
        return _ticket_page(code, 422, form)
    try:
        result = attendees.admit_by_hand(
            code, gate=form.gate.data, reason=form.reason.data, now=utcnow(), actor=g.staff
        )
    except DomainError as error:
        return _ticket_page(code, show_error(error, form), form)
    flash(scan_message(result.response), "ok" if result.ok else "error")
    return redirect(url_for("organiser.ticket", code=code), code=303)
