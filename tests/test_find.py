"""/find: a lost ticket is sent again, and the page answers the same for any address."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from checkin.extensions import db
from checkin.models import OutboxMessage, Ticket
from tests.support.factories import make_show, person
from tests.support.registering import registered as register_ticket
from tests.support.web import csrf_token


def _resends(app) -> list[tuple[int, str]]:
    """The resends queued once the worker has looked up the requests /find queued."""
    from checkin.database import utcnow
    from checkin.recovery import process_lookups

    with app.app_context():
        process_lookups(now=utcnow())
        return [
            (m.ticket_id, m.ticket.email)
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "resend").order_by(OutboxMessage.id)
            )
        ]


def _find(client, contact, token=None, **kwargs):
    token = token or csrf_token(client, "/find")
    return client.post("/find", data={"contact": contact, "csrf_token": token}, **kwargs)


def _normalised(body: bytes) -> bytes:
    return re.sub(rb'name="csrf_token"[^>]*value="[^"]+"', b"CSRF", body)


@pytest.fixture
def registered(app, client):
    make_show(app, "gala", quota=5)
    return register_ticket(client, "gala", person(1))


def test_the_page_offers_a_form(client):
    response = client.get("/find")
    assert response.status_code == 200
    assert 'name="contact"' in response.get_data(as_text=True)


def test_known_and_unknown_addresses_get_the_same_answer(app, client, registered):
    known = _find(client, "BAN1@example.com ")
    unknown = _find(client, "nobody@example.com")
    known_phone = _find(client, "+84 912 000 001")
    unknown_phone = _find(client, "0987 654 321")
    assert (
        known.status_code
        == unknown.status_code
        == known_phone.status_code
        == unknown_phone.status_code
        == 200
    )
    assert (
        _normalised(known.data)
        == _normalised(unknown.data)
        == _normalised(known_phone.data)
        == _normalised(unknown_phone.data)
    )
    assert known.data == unknown.data  # no CSRF token on the answer at all
    # ... but only the known address got its ticket queued again, to the ticket's own e-mail.
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.code == registered["code"]))
    assert _resends(app) == [(ticket_id, "ban1@example.com")]


def test_asking_again_while_the_resend_waits_queues_nothing_more(app, client, registered):
    _find(client, "ban1@example.com")
    _find(client, "ban1@example.com")
    assert len(_resends(app)) == 1


def test_a_cancelled_ticket_is_not_sent_again(app, client, registered):
    with app.app_context():
        token = db.session.scalar(select(Ticket.token).where(Ticket.code == registered["code"]))
    client.post(f"/t/{token}/cancel", data={"csrf_token": csrf_token(client, f"/t/{token}/cancel")})
    assert _find(client, "ban1@example.com").status_code == 200
    assert _resends(app) == []


def test_something_that_is_neither_an_email_nor_a_phone_is_pointed_out(client):
    response = _find(client, "hello")
    assert response.status_code == 422
    assert "Vui lòng nhập địa chỉ e-mail hoặc số điện thoại" in response.get_data(as_text=True)


def test_without_the_csrf_token_nothing_happens(app, client, registered):
    response = client.post("/find", data={"contact": "ban1@example.com"})
    assert response.status_code == 400
    assert _resends(app) == []


@pytest.fixture
def limited_app(app_config):
    from checkin import create_app

    app = create_app(
        {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "FIND_RATE_LIMIT": "4 per minute",
            "FIND_ADDRESS_RATE_LIMIT": "2 per minute",
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_one_address_is_limited_whatever_its_spelling_and_whoever_asks(limited_app):
    first, second = limited_app.test_client(), limited_app.test_client()
    assert _find(first, "an@example.com", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
    assert _find(second, " AN@Example.com", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200
    refused = _find(first, "an@example.com", environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Quá nhiều lần thử" in page and "Vui lòng thử lại sau" in page
    assert "Retry-After" in refused.headers
    # Another address is still answered.
    assert _find(first, "binh@example.com", environ_base={"REMOTE_ADDR": "10.0.0.3"}).status_code == 200


def test_one_client_is_limited_across_addresses(limited_app):
    client = limited_app.test_client()
    for i in range(4):
        assert _find(client, f"person{i}@example.com").status_code == 200
    refused = _find(client, "person9@example.com")
    assert refused.status_code == 429
    english = _find(client, "person8@example.com", query_string={"lang": "en"})
    assert english.status_code == 429
    assert "Too many attempts" in english.get_data(as_text=True)
    # Another client is not held back by this one.
    other = limited_app.test_client()
    assert _find(other, "person9@example.com", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200
