"""Staff: the accounts, adding one, a new password, deactivation, and pairing a phone."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import staff as staff_service
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..models import Staff
from ..shows import gates_of, get_show, list_shows
from ..tickets import qr_svg
from ..web.locale import current_locale
from . import bp
from .feedback import show_error
from .forms import ActionForm, PairingForm, StaffForm


def _pairing_form(submitted: bool = False) -> PairingForm:
    form = PairingForm() if submitted else PairingForm(formdata=None)
    volunteers = staff_service.active_volunteers(db.session)
    form.staff_id.choices = [(staff.id, staff.name) for staff in volunteers]
    form.gate.choices = [
        (f"{show.slug}\n{gate.label}", f"{show.title(current_locale())} – {gate.label}")
        for show in list_shows(db.session)
        for gate in gates_of(db.session, show.id)
    ]
    return form


def _page(status=200, **extra):
    extra.setdefault("form", StaffForm(formdata=None))
    extra.setdefault("pairing", _pairing_form())
    return render_template(
        "organiser/staff.html", accounts=staff_service.list_staff(db.session), action=ActionForm(), **extra
    ), status


@bp.get("/staff")
def staff():
    return _page()


@bp.post("/staff")
def staff_add():
    form = StaffForm()
    if not form.validate_on_submit():
        return _page(422, form=form)
    try:
        account, password = staff_service.add_staff(
            form.name.data, form.role.data, now=utcnow(), actor=g.staff
        )
    except DomainError as error:
        return _page(show_error(error, form), form=form)
    # Shown once, on this response only: never stored, never in a URL or the session.
    return _page(201, new_password=(account.name, password))


def _account(staff_id: int) -> Staff:
    return staff_service.get_staff(db.session, staff_id)


@bp.post("/staff/<int:staff_id>/password")
def staff_password(staff_id: int):
    if not ActionForm().validate_on_submit():
        return _page(400)
    account = _account(staff_id)
    password = staff_service.reset_password(account.name, now=utcnow(), actor=g.staff)
    return _page(200, new_password=(account.name, password))


@bp.post("/staff/<int:staff_id>/deactivate")
def staff_deactivate(staff_id: int):
    if not ActionForm().validate_on_submit():
        return _page(400)
    try:
        account = staff_service.deactivate(staff_id, now=utcnow(), actor=g.staff)
    except DomainError as error:
        show_error(error)
    else:
        flash(_("%(name)s is deactivated: signed out everywhere, tokens revoked.", name=account.name), "ok")
    return redirect(url_for("organiser.staff"), code=303)


@bp.post("/staff/pair")
def staff_pair():
    form = _pairing_form(submitted=True)
    if not form.validate_on_submit():
        return _page(422, pairing=form)
    show_slug, _sep, gate = form.gate.data.partition("\n")
    try:
        code, expires_at = staff_service.create_pairing(
            form.staff_id.data, show_slug, gate, now=utcnow(), actor=g.staff
        )
    except DomainError as error:
        return _page(show_error(error, form), pairing=form)
    url = url_for("auth.pair", code=code, _external=True)
    volunteer = staff_service.get_staff(db.session, form.staff_id.data)
    show = get_show(db.session, show_slug)
    return render_template(
        "organiser/pairing.html",
        qr=qr_svg(url),
        url=url,
        volunteer=volunteer,
        show=show,
        gate=gate,
        expires_at=expires_at,
    )
