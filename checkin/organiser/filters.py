"""The console's list filters, read from the query string into the domain's filter values."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..attendees import TicketFilter
from ..audit import day_bounds
from ..exports import ScanFilter
from ..extensions import db
from ..models import Gate
from ..shows import list_shows, to_utc
from ..web.locale import current_locale
from .forms import ScanFilterForm, SearchForm
from .labels import SCAN_RESULTS


def _with_shows(form):
    shows = list_shows(db.session)
    locale = current_locale()
    form.show.choices = [("", _l("All shows"))] + [(show.slug, show.title(locale)) for show in shows]
    return {show.slug: show.id for show in shows}


def _choices(everything, values: list[str], chosen: str | None, labels: dict | None = None):
    """A select's choices; the chosen value stays one even when it is not (any more) known."""
    if chosen and chosen not in values:
        values = [*values, chosen]
    return [("", everything)] + [(value, str((labels or {}).get(value, value))) for value in values]


def ticket_filter() -> tuple[SearchForm, TicketFilter | None]:
    """The posted search (a GET lists the newest tickets); None when the form is invalid."""
    form = SearchForm()
    ids = _with_shows(form)
    if not form.is_submitted():
        return form, TicketFilter()
    if not form.validate():
        return form, None
    return form, TicketFilter(
        show_id=ids.get(form.show.data or ""), status=form.status.data or None, query=form.q.data or None
    )


def scan_filter() -> tuple[ScanFilterForm, ScanFilter]:
    form = ScanFilterForm(request.args)
    ids = _with_shows(form)
    gates = sorted(set(db.session.scalars(select(Gate.label))))
    form.gate.choices = _choices(_l("All gates"), gates, form.gate.data)
    form.result.choices = _choices(_l("All results"), list(SCAN_RESULTS), form.result.data, SCAN_RESULTS)
    form.validate()
    if form.errors:
        return form, ScanFilter(show_id=-1)
    since = until = None
    if form.day.data:
        since, until = day_bounds(form.day.data, to_utc)
    return form, ScanFilter(
        show_id=ids.get(form.show.data or ""),
        gate=(form.gate.data or "").strip() or None,
        result=(form.result.data or "").strip() or None,
        since=since,
        until=until,
    )
