"""Tickets by e-mail over real SMTP (aiosmtpd on loopback): the message a person receives, and
a mail server that is down delays mail without losing any."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from checkin import tickets
from checkin.database import utcnow
from checkin.extensions import db
from checkin.mail.delivery import SmtpTransport
from checkin.mail.worker import deliver_due
from checkin.models import OutboxMessage, Show, Ticket
from checkin.shows import to_local
from checkin.web.mail import deployment, render_in
from tests.support.factories import make_show, person
from tests.support.mail import calendar_event, decode_qr, parts
from tests.support.registering import confirm_link
from tests.support.smtp import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _register(client, slug, i, lang="vi", **extra):
    response = client.post(
        f"/api/v1/shows/{slug}/registrations?lang={lang}",
        json=person(i, **extra),
        headers={"Accept-Language": lang},
    )
    assert response.status_code == 202, response.get_json()
    # The person opens the link of the "confirm" e-mail; the ticket's own e-mail follows.
    link = confirm_link(client.application, person(i)["email"])
    assert client.get(link).status_code == 200
    with client.application.app_context():
        # These tests are about the ticket's own e-mail: the confirmation (tests/test_privacy.py)
        # counts as delivered, since its link was opened.
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.kind == "confirm").values(sent_at=utcnow())
        )
        db.session.commit()
        return {"code": db.session.scalar(select(Ticket.code).where(Ticket.token == link.rsplit("/", 1)[1]))}


def _send(runner):
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_ticket_arrives_by_smtp_with_its_qr_link_and_calendar(app, client, runner, smtp):
    make_show(app, "gala", quota=5)
    app.config["MAIL_URL"] = smtp.url
    registration = _register(client, "gala", 1)

    assert "sent 1, failed 0" in _send(runner)

    assert len(smtp.inbox.messages) == 1
    message = smtp.inbox.messages[0]
    assert smtp.inbox.envelopes[0][1] == ["ban1@example.com"]
    assert message["Subject"] == "Vé của bạn cho Buổi gala"
    assert message["To"].addresses[0].addr_spec == "ban1@example.com"
    by_type = parts(message)
    assert set(by_type) == {"text/plain", "text/html", "image/png", "text/calendar"}
    text = by_type["text/plain"].get_content()
    html = by_type["text/html"].get_content()
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.code == registration["code"]))
        show = db.session.scalar(select(Show).where(Show.slug == "gala"))
        expected_payload = tickets.sign_payload(ticket.code, app.extensions["checkin_keyring"])
        link = f"http://127.0.0.1:5000/t/{ticket.token}"
        starts_local = to_local(show.starts_at)
    assert link in text and link in html
    assert tickets.format_code(registration["code"]) in text
    assert "Hà Nội" in text and starts_local.strftime("%H:%M") in text
    # The QR is an inline image the HTML refers to by its Content-ID.
    image = by_type["image/png"]
    content_id = image["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html
    assert image.get_content_disposition() == "inline"
    assert decode_qr(image.get_content()) == expected_payload
    assert (
        tickets.verify_payload(decode_qr(image.get_content()), app.extensions["checkin_keyring"]).code
        == ticket.code
    )
    # The calendar file carries the show's start in Hanoi time.
    calendar = by_type["text/calendar"]
    assert calendar.get_filename().endswith(".ics")
    event = calendar_event(
        calendar.get_content().encode() if isinstance(calendar.get_content(), str) else calendar.get_content()
    )
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Asia/Ho_Chi_Minh"
    assert start == starts_local.replace(microsecond=0) and start.utcoffset() == timedelta(hours=7)
    assert event["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert str(event["location"]) == "Hà Nội"

    assert "sent 0" in _send(runner)  # delivered once, not again
    assert len(smtp.inbox.messages) == 1


def test_the_message_is_in_the_language_of_the_registration(app, client, runner, smtp):
    make_show(app, "gala", quota=5)
    app.config["MAIL_URL"] = smtp.url
    _register(client, "gala", 2, lang="en")
    _send(runner)
    message = smtp.inbox.messages[0]
    assert message["Subject"] == "Your ticket for Show gala"
    assert "Show this QR code at the gate" in parts(message)["text/html"].get_content()
    assert message["Content-Language"] == "en"


def test_a_waitlist_place_is_confirmed_without_a_qr(app, client, runner, smtp):
    make_show(app, "gala", quota=0)
    app.config["MAIL_URL"] = smtp.url
    _register(client, "gala", 3, waitlist=True)
    _send(runner)
    message = smtp.inbox.messages[0]
    assert message["Subject"] == "Bạn đang trong danh sách chờ của Buổi gala"
    assert set(parts(message)) == {"text/plain", "text/html"}
    assert "Vị trí của bạn trong hàng chờ: 1" in parts(message)["text/plain"].get_content()


def test_a_stopped_smtp_server_delays_mail_but_loses_none(app, client):
    server = SmtpServer()  # not started yet: connections to its port are refused
    make_show(app, "gala", quota=5)
    app.config["MAIL_URL"] = server.url
    registration = _register(client, "gala", 4)
    clock = [None]

    def deliver(at):
        clock[0] = at
        with app.app_context():
            try:
                return deliver_due(
                    transport=SmtpTransport(server.url, timeout=5),
                    deployment=deployment(),
                    render=render_in,
                    clock=lambda: clock[0],
                )
            finally:
                db.session.remove()

    def outbox_row():
        with app.app_context():
            return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind != "confirm")).one()

    start = outbox_row().created_at
    first = deliver(start)
    assert (first.sent, first.failed) == (0, 1)
    row = outbox_row()
    assert row.attempts == 1 and row.sent_at is None and "Connection" in row.last_error
    first_retry = row.next_attempt_at
    assert first_retry > start

    assert deliver(start + timedelta(seconds=1)).handled == 0  # not due yet: nothing is tried
    second = deliver(first_retry)
    assert second.failed == 1
    row = outbox_row()
    assert row.attempts == 2
    assert row.next_attempt_at - first_retry > first_retry - start  # the wait grows

    server.start()
    try:
        delivered = deliver(row.next_attempt_at)
        assert (delivered.sent, delivered.failed) == (1, 0)
        assert deliver(row.next_attempt_at + timedelta(hours=2)).handled == 0
        assert len(server.inbox.messages) == 1  # exactly one copy
        assert registration["code"][:4] in parts(server.inbox.messages[0])["text/plain"].get_content()
    finally:
        server.stop()
    row = outbox_row()
    assert row.sent_at is not None and row.attempts == 3


def test_the_smtp_url_carries_the_login(app, client, runner):
    from urllib.parse import quote

    server = SmtpServer(credentials=("ve@khongmotminh.vn", "p@ss w:rd/1"))
    server.start()
    try:
        make_show(app, "gala", quota=5)
        _register(client, "gala", 5)
        user, password = (quote(part, safe="") for part in server.credentials)
        app.config["MAIL_URL"] = f"smtp://{user}:{password}@127.0.0.1:{server.port}"
        assert "sent 1, failed 0" in _send(runner)
        assert server.logins == ["ve@khongmotminh.vn"]
        assert len(server.inbox.messages) == 1
    finally:
        server.stop()
