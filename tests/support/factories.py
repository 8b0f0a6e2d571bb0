"""Test data: a show open for registration, and valid registration values."""

from __future__ import annotations

from datetime import datetime, timedelta


def make_show(app, slug="test", *, quota=10, capacity=10, now: datetime | None = None, **fields):
    """A show open for registration now, doors in a week unless told otherwise."""
    from checkin.database import transaction, utcnow
    from checkin.models import Show

    now = now or utcnow()
    values = dict(
        slug=slug,
        title_vi=f"Buổi {slug}",
        title_en=f"Show {slug}",
        venue="Hà Nội",
        doors_open_at=now + timedelta(days=7),
        starts_at=now + timedelta(days=7, hours=1),
        ends_at=now + timedelta(days=7, hours=4),
        ticket_quota=quota,
        venue_capacity=capacity,
        issued_count=0,
        places_taken=0,
        reentry_allowed=False,
        registration_open=True,
        registration_opens_at=now - timedelta(hours=1),
        registration_closes_at=now + timedelta(days=7),
        waitlist_cutoff_minutes=120,
    )
    values.update(fields)
    with app.app_context(), transaction() as session:
        session.add(Show(**values))


def person(i: int = 0, **overrides) -> dict:
    """Valid registration values, distinct for each i."""
    values = {
        "name": f"Nguyễn Văn {i}",
        "email": f"ban{i}@example.com",
        "phone": f"0912{i:06d}",
        "birth_year": 2004,
        "consent": True,
    }
    values.update(overrides)
    return values


def set_row(app, model: str, values: dict, **where):
    """Sets columns of one row directly: a state the test needs, however the app would reach it."""
    from checkin import models
    from checkin.database import transaction

    with app.app_context(), transaction() as session:
        row = session.query(getattr(models, model)).filter_by(**where).one()
        for name, value in values.items():
            setattr(row, name, value)
