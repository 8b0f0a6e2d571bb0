"""Filling every seat: a show's reconfirmation round (start, live counts, cancel) and its standby
line (when standby admission starts, places kept, the numbers called)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import reconfirmation, standby
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..models import StandbyLine
from ..shows import get_show, to_local
from . import bp
from .feedback import show_error
from .forms import ActionForm, ReconfirmationForm, StandbyForm


def _page(show, form, status=200):
    return render_template(
        "organiser/reconfirmation.html",
        show=show,
        form=form,
        action=ActionForm(),
        counts=reconfirmation.counts(db.session, show.id),
    ), status


@bp.route("/shows/<slug>/reconfirmation", methods=["GET", "POST"])
def reconfirmation_page(slug: str):
    show = get_show(db.session, slug)
    form = ReconfirmationForm()
    if not form.is_submitted():
        form.remind_minutes.data = int(current_app.config["RECONFIRM_REMINDER_MINUTES"])
    if form.validate_on_submit():
        try:
            reconfirmation.start(
                slug,
                deadline=form.deadline.utc,
                now=utcnow(),
                actor=g.staff,
                remind_before=timedelta(minutes=form.remind_minutes.data) or None,
            )
        except DomainError as error:
            db.session.rollback()
            return _page(get_show(db.session, slug), form, show_error(error, form))
        flash(_("Reconfirmation started: the holders are being asked by e-mail."), "ok")
        return redirect(url_for("organiser.reconfirmation_page", slug=slug), code=303)
    return _page(show, form, 422 if form.is_submitted() else 200)


@bp.post("/shows/<slug>/reconfirmation/cancel")
def reconfirmation_cancel(slug: str):
    if not ActionForm().validate_on_submit():
        flash(_("Your form expired or was sent from elsewhere. Please try again."), "error")
    else:
        try:
            reconfirmation.cancel(slug, now=utcnow(), actor=g.staff)
        except DomainError as error:
            show_error(error)
        else:
            flash(_("Reconfirmation cancelled: nobody will be released."), "ok")
    return redirect(url_for("organiser.reconfirmation_page", slug=slug), code=303)


def _standby_page(show, form, status=200):
    return render_template(
        "organiser/standby.html",
        show=show,
        form=form,
        action=ActionForm(),
        board=standby.board(db.session, show, utcnow()),
    ), status


@bp.route("/shows/<slug>/standby", methods=["GET", "POST"])
def standby_page(slug: str):
    show = get_show(db.session, slug)
    line = db.session.get(StandbyLine, show.id)
    form = StandbyForm(obj=None)
    if not form.is_submitted():
        form.starts_at.data = (
            to_local(line.admission_starts_at).replace(tzinfo=None)
            if line and line.admission_starts_at
            else None
        )
        form.below_expected.data = line.start_below_expected if line else None
        form.kept_places.data = line.kept_places if line else 0
    if form.validate_on_submit():
        try:
            standby.configure(
                slug,
                now=utcnow(),
                starts_at=form.starts_at.utc,
                below_expected=form.below_expected.data,
                kept_places=form.kept_places.data,
                actor=g.staff,
            )
            standby.call(slug, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            return _standby_page(get_show(db.session, slug), form, show_error(error, form))
        flash(_("Standby settings saved."), "ok")
        return redirect(url_for("organiser.standby_page", slug=slug), code=303)
    return _standby_page(show, form, 422 if form.is_submitted() else 200)
