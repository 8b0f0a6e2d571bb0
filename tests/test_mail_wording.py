"""What the e-mails say (issue 17): a cancellation removes the calendar entry the ticket's e-mail
added (METHOD:CANCEL, same UID); a waitlist place is spoken of as a place in line, not a ticket."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from checkin.models import Ticket
from tests.support.factories import make_show, person
from tests.support.mail import parts


def _compose(app, token: str, kind: str):
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.mail.compose import compose
    from checkin.web.mail import deployment, render_in

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
        message = compose(
            1, kind, ticket, deployment=deployment(), render=render_in, position=1, now=utcnow()
        )
        db.session.remove()
    return message


def _confirmed(app, slug, values, **options):
    from checkin.database import utcnow
    from checkin.registration import confirm, register

    with app.app_context():
        registration = register(slug, values, now=utcnow(), **options)
        confirm(registration.token, now=utcnow())
    return registration.token


def _calendar(message) -> Calendar:
    return Calendar.from_ical(parts(message)["text/calendar"].get_payload(decode=True))


def test_a_cancellation_removes_the_event_its_ticket_added(app):
    from checkin.cancellation import cancel_ticket
    from checkin.database import utcnow

    make_show(app, "gala", quota=2)
    token = _confirmed(app, "gala", person(1))
    added = _calendar(_compose(app, token, "issued"))
    with app.app_context():
        cancel_ticket(token, now=utcnow() + timedelta(minutes=1))
    message = _compose(app, token, "cancelled")
    removed = _calendar(message)
    assert str(added["method"]) == "PUBLISH" and str(removed["method"]) == "CANCEL"
    [first], [then] = added.walk("VEVENT"), removed.walk("VEVENT")
    assert str(then["uid"]) == str(first["uid"])
    assert str(then["status"]) == "CANCELLED" and int(then["sequence"]) > int(first["sequence"])
    assert parts(message)["text/calendar"].get_param("method") == "CANCEL"
    assert "xóa buổi diễn khỏi lịch" in parts(message)["text/plain"].get_content()


def test_a_waitlist_message_speaks_of_a_place_in_line_not_a_ticket(app):
    make_show(app, "gala", quota=0)
    token = _confirmed(app, "gala", person(1), join_waitlist=True)
    message = _compose(app, token, "waitlisted")
    for body in (parts(message)["text/plain"].get_content(), parts(message)["text/html"].get_content()):
        assert "có thể dùng vé của bạn" not in body  # "can use your ticket": there is none yet
        assert "vị trí của bạn trong hàng chờ" in body
    assert "text/calendar" not in parts(message)
