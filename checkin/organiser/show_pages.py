"""Shows: the list, creating and editing a show, opening or closing registration, its gates."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import shows as show_service
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from . import bp
from .feedback import show_error
from .forms import ActionForm, EditShowForm, GateForm, RegistrationSwitchForm, ShowForm


@bp.get("/shows")
def shows():
    now = utcnow()
    rows = [
        (show, show_service.registration_state(show, now)) for show in show_service.list_shows(db.session)
    ]
    return render_template("organiser/shows.html", rows=rows)


@bp.route("/shows/new", methods=["GET", "POST"])
def show_new():
    form = ShowForm()
    status = 200
    if form.validate_on_submit():
        try:
            show = show_service.create_show(
                form.values() | {"slug": form.slug.data}, now=utcnow(), actor=g.staff
            )
        except DomainError as error:
            status = show_error(error, form)
        else:
            flash(_("Show created."), "ok")
            return redirect(url_for("organiser.show_edit", slug=show.slug), code=303)
    elif form.is_submitted():
        status = 422
    return render_template("organiser/show_form.html", form=form, show=None), status


def _edit_page(show, form, status=200):
    return render_template(
        "organiser/show_form.html",
        form=form,
        show=show,
        state=show_service.registration_state(show, utcnow()),
        switch=RegistrationSwitchForm(),
        gate_form=GateForm(formdata=None),
        action=ActionForm(),
        gates=show_service.gates_of(db.session, show.id),
    ), status


@bp.route("/shows/<slug>", methods=["GET", "POST"])
def show_edit(slug: str):
    show = show_service.get_show(db.session, slug)
    form = EditShowForm(obj=show)
    if form.validate_on_submit():
        try:
            show_service.update_show(slug, now=utcnow(), actor=g.staff, **form.values())
        except DomainError as error:
            db.session.rollback()
            return _edit_page(show_service.get_show(db.session, slug), form, show_error(error, form))
        flash(_("Show saved."), "ok")
        return redirect(url_for("organiser.show_edit", slug=slug), code=303)
    return _edit_page(show, form, 422 if form.is_submitted() else 200)


@bp.post("/shows/<slug>/registration")
def show_registration(slug: str):
    form = RegistrationSwitchForm()
    if form.validate_on_submit():
        try:
            show_service.update_show(slug, now=utcnow(), actor=g.staff, registration=form.registration.data)
        except DomainError as error:
            show_error(error)
        else:
            flash(
                _("Registration is open.")
                if form.registration.data == "open"
                else _("Registration is closed."),
                "ok",
            )
    else:
        flash(_("Your form expired or was sent from elsewhere. Please try again."), "error")
    return redirect(url_for("organiser.show_edit", slug=slug), code=303)


def _gate_action(slug: str, change) -> object:
    """Gate forms post back to the show page: a redirect with a notice either way."""
    try:
        change()
    except DomainError as error:
        show_error(error)
    return redirect(url_for("organiser.show_edit", slug=slug, _anchor="gates"), code=303)


@bp.post("/shows/<slug>/gates")
def gate_add(slug: str):
    form = GateForm()
    if not form.validate_on_submit():
        return _invalid_gate_form(slug, form)
    return _gate_action(
        slug, lambda: show_service.add_gate(slug, form.label.data, now=utcnow(), actor=g.staff)
    )


@bp.post("/shows/<slug>/gates/<int:gate_id>/rename")
def gate_rename(slug: str, gate_id: int):
    form = GateForm()
    if not form.validate_on_submit():
        return _invalid_gate_form(slug, form)
    return _gate_action(
        slug, lambda: show_service.rename_gate(slug, gate_id, form.label.data, now=utcnow(), actor=g.staff)
    )


@bp.post("/shows/<slug>/gates/<int:gate_id>/remove")
def gate_remove(slug: str, gate_id: int):
    if not ActionForm().validate_on_submit():
        flash(_("Your form expired or was sent from elsewhere. Please try again."), "error")
        return redirect(url_for("organiser.show_edit", slug=slug), code=303)
    return _gate_action(slug, lambda: show_service.remove_gate(slug, gate_id, now=utcnow(), actor=g.staff))


def _invalid_gate_form(slug: str, form: GateForm):
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return redirect(url_for("organiser.show_edit", slug=slug, _anchor="gates"), code=303)
