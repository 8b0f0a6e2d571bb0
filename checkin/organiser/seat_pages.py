"""Filling every seat: a show's reconfirmation round (start, live counts, cancel)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import reconfirmation
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..shows import get_show
from . import bp
from .feedback import show_error
from .forms import ActionForm, ReconfirmationForm


def _page(show, form, status=200):
    return render_template("organiser/reconfirmation.html", show=show, form=form, action=ActionForm(),
                           counts=reconfirmation.counts(db.session, show.id)), status


@bp.route("/shows/<slug>/reconfirmation", methods=["GET", "POST"])
def reconfirmation_page(slug: str):
    show = get_show(db.session, slug)
    form = ReconfirmationForm()
    if not form.is_submitted():
        form.remind_minutes.data = int(current_app.config["RECONFIRM_REMINDER_MINUTES"])
    if form.validate_on_submit():
        try:
            reconfirmation.start(slug, deadline=form.deadline.utc, now=utcnow(), actor=g.staff,
                                 remind_before=timedelta(minutes=form.remind_minutes.data) or None)
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
