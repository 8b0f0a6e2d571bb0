"""Self-cancellation: a confirmation step, the seat back to the show, the link then says cancelled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from checkin.cancellation import cancel_ticket
from checkin.database import transaction, utcnow
from checkin.errors import AlreadyCancelled, NotFound, TicketUsed
from checkin.extensions import db
from checkin.models import OutboxMessage, Show, Ticket
from tests.support.factories import make_show, person
from tests.support.registering import registered
from tests.support.web import csrf_token


def _register(client, i, slug="gala", **extra):
    return registered(client, slug, person(i, **extra))


def _token(app, code):
    with app.app_context():
        return db.session.scalar(select(Ticket.token).where(Ticket.code == code))


def _state(app, code):
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.code == code))
        show = db.session.get(Show, ticket.show_id)
        issued = db.session.scalar(
            select(db.func.count())
            .select_from(Ticket)
            .where(Ticket.show_id == show.id, Ticket.status == "issued")
        )
        kinds = list(
            db.session.scalars(
                select(OutboxMessage.kind)
                .where(OutboxMessage.ticket_id == ticket.id)
                .order_by(OutboxMessage.id)
            )
        )
        return ticket.status, ticket.cancelled_at, show.issued_count, issued, kinds


@pytest.fixture
def ticket(app, client):
    make_show(app, "gala", quota=3)
    registration = _register(client, 1)
    return registration["code"], _token(app, registration["code"])


def test_the_ticket_page_links_to_a_confirmation_page(client, ticket):
    code, token = ticket
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert f'href="/t/{token}/cancel"' in page
    confirmation = client.get(f"/t/{token}/cancel")
    assert confirmation.status_code == 200
    body = confirmation.get_data(as_text=True)
    assert "Hủy vé của bạn?" in body and 'method="post"' in body


def test_confirming_cancels_and_gives_the_seat_back(app, client, ticket):
    code, token = ticket
    response = client.post(
        f"/t/{token}/cancel", data={"csrf_token": csrf_token(client, f"/t/{token}/cancel")}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/t/{token}")
    status, cancelled_at, issued_count, issued_rows, kinds = _state(app, code)
    assert status == "cancelled" and cancelled_at is not None
    assert issued_count == issued_rows == 0
    assert kinds == ["confirm", "ticket", "cancelled"]
    page = client.get(f"/t/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "notice-error" in text and "<svg" not in text and f"/t/{token}/cancel" not in text
    for image in ("qr.svg", "qr.png", "ticket.ics"):
        assert client.get(f"/t/{token}/{image}").status_code == 404


def test_a_second_confirmation_changes_nothing(app, client, ticket):
    code, token = ticket
    form = csrf_token(client, f"/t/{token}/cancel")
    client.post(f"/t/{token}/cancel", data={"csrf_token": form})
    again = client.post(f"/t/{token}/cancel", data={"csrf_token": form})
    assert again.status_code == 303
    assert _state(app, code)[2:] == (0, 0, ["confirm", "ticket", "cancelled"])
    with app.app_context(), pytest.raises(AlreadyCancelled):
        cancel_ticket(token, now=utcnow())


def test_without_the_csrf_token_nothing_is_cancelled(app, client, ticket):
    code, token = ticket
    response = client.post(f"/t/{token}/cancel")
    assert response.status_code == 400
    assert _state(app, code)[0] == "issued"


def test_an_unknown_link_is_404(client, ticket):
    assert client.get("/t/not-a-real-token/cancel").status_code == 404
    token = csrf_token(client, f"/t/{ticket[1]}/cancel")
    assert client.post("/t/not-a-real-token/cancel", data={"csrf_token": token}).status_code == 404


def test_a_ticket_used_at_the_gate_cannot_be_cancelled(app, client, ticket):
    code, token = ticket
    with app.app_context():
        with transaction() as session:
            session.scalar(select(Ticket).where(Ticket.code == code)).admitted_at = utcnow()
        with pytest.raises(TicketUsed):
            cancel_ticket(token, now=utcnow())
    assert f"/t/{token}/cancel" not in client.get(f"/t/{token}").get_data(as_text=True)
    assert _state(app, code)[:1] == ("issued",)


def test_a_waitlisted_person_can_leave_the_line(app, client):
    make_show(app, "gala", quota=1)
    _register(client, 1)
    waiting = _register(client, 2, waitlist=True)
    token = _token(app, waiting["code"])
    assert "Rời danh sách chờ" in client.get(f"/t/{token}").get_data(as_text=True)
    client.post(f"/t/{token}/cancel", data={"csrf_token": csrf_token(client, f"/t/{token}/cancel")})
    status, _, issued_count, issued_rows, _ = _state(app, waiting["code"])
    assert status == "cancelled" and issued_count == issued_rows == 1


def test_cancel_ticket_unknown_token(app):
    with app.app_context(), pytest.raises(NotFound):
        cancel_ticket("nope", now=utcnow())


def test_the_qr_of_a_cancelled_ticket_is_refused_at_the_gate(app, client):
    from checkin.admission import scan
    from tests.support.gate import add_volunteer, issue, open_show, payload, scan_id

    open_show(app, "gate", quota=5)
    [code] = issue(app, "gate", 1)
    saved_qr = payload(app, code)  # a screenshot taken before cancelling
    with app.app_context():
        cancel_ticket(db.session.scalar(select(Ticket.token).where(Ticket.code == code)), now=utcnow())
    volunteer = add_volunteer(app)
    with app.app_context():
        result = scan(
            saved_qr,
            keyring=app.extensions["checkin_keyring"],
            staff=volunteer,
            gate="A",
            direction="in",
            client_scan_id=scan_id(),
            scanned_at=None,
            show_slug="gate",
            now=utcnow(),
        )
    assert result.result == "cancelled" and not result.ok
    assert _state(app, code)[2:4] == (0, 0)
