"""The console's list filters, read from the query string into the domain's filter values."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from ..attendees import TicketFilter
from ..audit import day_bounds
from ..exports import ScanFilter
from ..extensions import db
from ..shows import list_shows, to_utc
from .forms import ScanFilterForm, SearchForm


def _with_shows(form):
    shows = list_shows(db.session)
    form.show.choices = [("", _l("All shows"))] + [(show.slug, show.title_vi) for show in shows]
    return {show.slug: show.id for show in shows}


def ticket_filter() -> tuple[SearchForm, TicketFilter | None]:
    """The posted search (a GET lists the newest tickets); None when the form is invalid."""
    form = SearchForm()
    ids = _with_shows(form)
    if not form.is_submitted():
        return form, TicketFilter()
    if not form.validate():
        return form, None
    return form, TicketFilter(show_id=ids.get(form.show.data or ""), status=form.status.data or None,
                              query=form.q.data or None)


def scan_filter() -> tuple[ScanFilterForm, ScanFilter]:
    form = ScanFilterForm(request.args)
    ids = _with_shows(form)
    form.validate()
    if form.errors:
        return form, ScanFilter(show_id=-1)
    since = until = None
    if form.day.data:
        since, until = day_bounds(form.day.data, to_utc)
    return form, ScanFilter(show_id=ids.get(form.show.data or ""), gate=(form.gate.data or "").strip() or None,
                            result=(form.result.data or "").strip() or None, since=since, until=until)
