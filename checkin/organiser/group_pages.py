"""School groups in the console (issue 19): a show's rules for groups, its groups per school
and class with their state, and approving, resizing and cancelling them."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from .. import group_changes, school_groups
from .. import shows as show_service
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..group_models import SchoolGroup
from . import bp
from .feedback import show_error
from .forms import ActionForm, LocalTimeField


class GroupSettingsForm(FlaskForm):
    max_group_size = IntegerField(
        _l("Most people in one group"), validators=[InputRequired(), NumberRange(min=1, max=500)]
    )
    approval_required = BooleanField(_l("Groups wait for an organiser's approval before places are held"))
    roster_deadline = LocalTimeField(
        _l("Roster and consent deadline (Hanoi time): unfilled places return then"), validators=[Optional()]
    )


class ResizeForm(FlaskForm):
    pupils = IntegerField(_l("Pupils"), validators=[InputRequired(), NumberRange(min=0, max=500)])
    adults = IntegerField(_l("Adults"), validators=[InputRequired(), NumberRange(min=1, max=500)])


def _page(show, settings_form, status=200):
    groups = db.session.scalars(
        select(SchoolGroup)
        .where(SchoolGroup.show_id == show.id)
        .order_by(SchoolGroup.school, SchoolGroup.class_name, SchoolGroup.id)
    ).all()
    rows = [(group, school_groups.group_state(db.session, group)) for group in groups]
    return render_template(
        "organiser/groups.html",
        show=show,
        settings_form=settings_form,
        rows=rows,
        settings=school_groups.settings_of(db.session, show.id),
        action=ActionForm(),
    ), status


@bp.route("/shows/<slug>/groups", methods=["GET", "POST"])
def groups(slug: str):
    show = show_service.get_show(db.session, slug)
    form = GroupSettingsForm(obj=school_groups.settings_of(db.session, show.id))
    if form.validate_on_submit():
        try:
            school_groups.set_settings(
                show.id,
                max_group_size=form.max_group_size.data,
                approval_required=form.approval_required.data,
                roster_deadline=form.roster_deadline.utc,
                now=utcnow(),
                actor=g.staff,
            )
        except DomainError as error:
            return _page(show, form, show_error(error, form))
        flash(_("Group settings saved."), "ok")
        return redirect(url_for("organiser.groups", slug=slug), code=303)
    return _page(show, form, 422 if form.is_submitted() else 200)


def _act(slug: str, work) -> object:
    if ActionForm().validate_on_submit():
        try:
            work()
        except DomainError as error:
            show_error(error)
        else:
            flash(_("Done."), "ok")
    return redirect(url_for("organiser.groups", slug=slug), code=303)


def _group_of(slug: str, group_id: int) -> SchoolGroup:
    show = show_service.get_show(db.session, slug)
    group = db.session.get(SchoolGroup, group_id)
    if group is None or group.show_id != show.id:
        from ..errors import NotFound

        raise NotFound()
    return group


@bp.post("/shows/<slug>/groups/<int:group_id>/approve")
def group_approve(slug: str, group_id: int):
    group = _group_of(slug, group_id)
    return _act(slug, lambda: school_groups.approve(group.id, now=utcnow(), actor=g.staff))


@bp.post("/shows/<slug>/groups/<int:group_id>/cancel")
def group_cancel(slug: str, group_id: int):
    group = _group_of(slug, group_id)
    return _act(slug, lambda: group_changes.cancel(group.id, now=utcnow(), actor=g.staff))


@bp.post("/shows/<slug>/groups/<int:group_id>/resize")
def group_resize(slug: str, group_id: int):
    group = _group_of(slug, group_id)
    form = ResizeForm()
    if not form.validate_on_submit():
        flash(_("Please enter the number of pupils (0 or more) and of adults (1 or more)."), "error")
        return redirect(url_for("organiser.groups", slug=slug), code=303)
    try:
        group_changes.resize(group.id, form.pupils.data, form.adults.data, now=utcnow(), actor=g.staff)
    except DomainError as error:
        show_error(error)
    else:
        flash(_("Done."), "ok")
    return redirect(url_for("organiser.groups", slug=slug), code=303)


@bp.post("/shows/<slug>/groups/release")
def groups_release(slug: str):
    show = show_service.get_show(db.session, slug)
    return _act(slug, lambda: group_changes.release_unfilled(show.id, now=utcnow()))
