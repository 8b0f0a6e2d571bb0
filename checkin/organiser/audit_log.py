"""The audit log page: every organiser action and every scan, filterable, read-only."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from ..audit import SCAN_ACTION, ActivityFilter, day_bounds, list_activity
from ..extensions import db
from ..shows import to_utc
from ..staff import list_staff
from . import bp
from .forms import AuditFilterForm
from .labels import ACTIONS, SCAN_RESULTS, action_label

PAGE_ROWS = 200


@bp.get("/audit")
def audit():
    form = AuditFilterForm(request.args)
    accounts = list_staff(db.session)
    form.actor.choices = [("", _l("Everyone"))] + [(str(staff.id), staff.name) for staff in accounts]
    form.action.choices = (
        [("", _l("Everything")), (SCAN_ACTION, _l("Every scan"))]
        + [(action, label) for action, label in ACTIONS.items()]
        + [(f"{SCAN_ACTION}:{result}", action_label(f"{SCAN_ACTION}:{result}")) for result in SCAN_RESULTS]
    )
    lines = []
    if form.validate():
        actor = form.actor.data
        day_start = day_end = None
        if form.day.data:
            day_start, day_end = day_bounds(form.day.data, to_utc)
        filters = ActivityFilter(
            actor_id=int(actor) if actor and actor.isdigit() else None,
            action=form.action.data
            if form.action.data in dict(form.action.choices) and form.action.data
            else None,
            day_start=day_start,
            day_end=day_end,
        )
        lines = list_activity(db.session, filters, PAGE_ROWS)
    return render_template("organiser/audit.html", form=form, lines=lines, limit=PAGE_ROWS)
