"""GET /t/<token>/ticket.ics: the show in any calendar, at the right time in Hanoi."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from checkin.extensions import db
from checkin.models import Ticket
from checkin.shows import to_utc
from tests.support.factories import make_show, person
from tests.support.mail import calendar_event
from tests.support.registering import registered


def test_the_calendar_file_has_the_show_in_hanoi_time(app, client, now):
    starts = to_utc(datetime(now.year + 1, 11, 2, 19, 30))
    make_show(
        app,
        "gala",
        quota=2,
        doors_open_at=starts - timedelta(hours=1),
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        registration_closes_at=starts - timedelta(hours=1),
    )
    code = registered(client, "gala", person(1))["code"]
    with app.app_context():
        token = db.session.scalar(select(Ticket.token).where(Ticket.code == code))
    response = client.get(f"/t/{token}/ticket.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == f'attachment; filename="ve-{code}.ics"'
    assert response.headers["Cache-Control"] == "no-store"
    event = calendar_event(response.data)
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert str(start.tzinfo) == "Asia/Ho_Chi_Minh" and event["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert (start.hour, start.minute, start.day, start.month) == (19, 30, 2, 11)
    assert end - start == timedelta(hours=3)
    assert str(event["summary"]) == "Buổi gala"
    assert str(event["url"]) == f"http://checkin.test/t/{token}"
    assert code[:4] in str(event["description"])
    assert b"BEGIN:VTIMEZONE" in response.data and b"TZID:Asia/Ho_Chi_Minh" in response.data
    assert b"Nguy" not in response.data and b"ban1@" not in response.data  # no personal data


def test_a_waitlist_place_has_no_calendar_file(app, client):
    make_show(app, "gala", quota=0)
    code = registered(client, "gala", person(1, waitlist=True))["code"]
    with app.app_context():
        token = db.session.scalar(select(Ticket.token).where(Ticket.code == code))
    assert client.get(f"/t/{token}/ticket.ics").status_code == 404
    assert client.get("/t/unknown/ticket.ics").status_code == 404
