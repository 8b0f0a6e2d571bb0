"""The waitlist: joining a full show, one's place in line, promotion when a seat frees, the cut-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from checkin.cancellation import cancel_ticket
from checkin.database import utcnow
from checkin.extensions import db
from checkin.models import OutboxMessage, Show, Ticket
from checkin.shows import update_show
from tests.support.factories import make_show, person
from tests.support.registering import confirm_link, registered
from tests.support.web import csrf_token


def _register(client, i, slug="gala", waitlist=None):
    values = person(i) if waitlist is None else person(i, waitlist=waitlist)
    response = client.post(f"/api/v1/shows/{slug}/registrations", json=values)
    if response.status_code != 202:
        return response.status_code, response.get_json()
    # The answer no longer says which: the e-mail's link and the ticket behind it do.
    return 201, registered(client, slug, values, posted=response)


def _tickets(app, slug="gala"):
    """(code, status, token) in registration order, and the show's counter."""
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == slug))
        rows = db.session.execute(
            select(Ticket.code, Ticket.status, Ticket.token)
            .where(Ticket.show_id == show.id)
            .order_by(Ticket.id)
        ).all()
        return [tuple(r) for r in rows], show.issued_count


def _promoted(app):
    with app.app_context():
        return list(
            db.session.scalars(
                select(Ticket.code)
                .join(OutboxMessage, OutboxMessage.ticket_id == Ticket.id)
                .where(OutboxMessage.kind == "promoted")
                .order_by(OutboxMessage.id)
            )
        )


@pytest.fixture
def full_show(app, client):
    make_show(app, "gala", quota=2)
    for i in range(2):
        assert _register(client, i)[0] == 201
    return app


def test_a_full_show_refuses_unless_asked_for_the_waitlist(full_show, client):
    status, body = _register(client, 10)
    assert (status, body["error"]["code"]) == (409, "full")
    status, body = _register(client, 10, waitlist=True)
    assert (status, body["status"]) == (201, "waitlisted")
    assert body["ticket_url"].startswith("http://checkin.test/t/")


def test_the_form_of_a_full_show_offers_the_waitlist(full_show, client):
    page = client.get("/shows/gala/register").get_data(as_text=True)
    assert 'name="join_waitlist" type="hidden" value="1"' in page
    assert "Hãy vào danh sách chờ" in page
    data = dict(
        person(10), csrf_token=csrf_token(client, "/shows/gala/register"), join_waitlist="1", consent="y"
    )
    response = client.post("/shows/gala/register", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/shows/gala/registered")
    ticket_page = client.get(confirm_link(full_show, data["email"])).get_data(as_text=True)
    assert "Vị trí của bạn trong hàng chờ: 1" in ticket_page


def test_places_in_line_follow_registration_order(full_show, client):
    for i in range(10, 13):
        _register(client, i, waitlist=True)
    tickets, _ = _tickets(full_show)
    waiting = [t for t in tickets if t[1] == "waitlisted"]
    for place, (_, _, token) in enumerate(waiting, start=1):
        assert f"Vị trí của bạn trong hàng chờ: {place}" in client.get(f"/t/{token}").get_data(as_text=True)
    with full_show.app_context():
        cancel_ticket(waiting[0][2], now=utcnow())
    assert "Vị trí của bạn trong hàng chờ: 1" in client.get(f"/t/{waiting[1][2]}").get_data(as_text=True)


def test_a_cancellation_promotes_the_first_in_line(full_show, client):
    for i in range(10, 13):
        _register(client, i, waitlist=True)
    tickets, _ = _tickets(full_show)
    with full_show.app_context():
        result = cancel_ticket(tickets[0][2], now=utcnow())
    after, issued_count = _tickets(full_show)
    assert [t[1] for t in after] == ["cancelled", "issued", "issued", "waitlisted", "waitlisted"]
    assert issued_count == 2
    assert _promoted(full_show) == [tickets[2][0]]
    assert len(result.promoted) == 1
    # The promoted person's link now shows the QR code.
    assert "<svg" in client.get(f"/t/{tickets[2][2]}").get_data(as_text=True)


def test_a_higher_quota_promotes_in_order(full_show, client):
    for i in range(10, 14):
        _register(client, i, waitlist=True)
    tickets, _ = _tickets(full_show)
    with full_show.app_context():
        update_show("gala", now=utcnow(), ticket_quota=5)
    after, issued_count = _tickets(full_show)
    assert [t[1] for t in after] == ["issued"] * 5 + ["waitlisted"]
    assert issued_count == 5
    assert _promoted(full_show) == [t[0] for t in tickets[2:5]]


def test_a_newcomer_never_jumps_the_line(full_show, client):
    _register(client, 10, waitlist=True)
    tickets, _ = _tickets(full_show)
    with full_show.app_context():
        cancel_ticket(tickets[0][2], now=utcnow())
    status, body = _register(client, 11, waitlist=True)
    assert body["status"] == "waitlisted"
    assert _tickets(full_show)[0][2][1] == "issued"


def test_promotion_stops_at_the_cut_off(app, client, now):
    make_show(
        app,
        "late",
        quota=1,
        doors_open_at=now + timedelta(minutes=90),
        starts_at=now + timedelta(hours=2),
        registration_closes_at=now + timedelta(minutes=90),
    )
    assert _register(client, 1, "late")[0] == 201
    status, body = _register(client, 2, "late", waitlist=True)
    assert (status, body["error"]["code"]) == (409, "waitlist_closed")
    page = client.get("/shows/late/register").get_data(as_text=True)
    assert 'name="join_waitlist"' not in page and "Danh sách chờ của chương trình này đã đóng." in page


def test_a_seat_freed_after_the_cut_off_is_not_promoted(app, client, now):
    make_show(app, "gala", quota=1, waitlist_cutoff_minutes=60)
    _register(client, 1)
    _register(client, 2, waitlist=True)
    tickets, _ = _tickets(app)
    with app.app_context():
        # The organiser sets the cut-off so that it has passed: a week before doors.
        update_show("gala", now=now, waitlist_cutoff_minutes=8 * 24 * 60)
        cancel_ticket(tickets[0][2], now=utcnow())
    after, issued_count = _tickets(app)
    assert [t[1] for t in after] == ["cancelled", "waitlisted"] and issued_count == 0
    with app.app_context():
        update_show("gala", now=now, waitlist_cutoff_minutes=120)  # moved back: the seat goes now
    after, issued_count = _tickets(app)
    assert [t[1] for t in after] == ["cancelled", "issued"] and issued_count == 1


def test_the_promotion_email_says_so(full_show, client, runner, tmp_path):
    _register(client, 10, waitlist=True)
    tickets, _ = _tickets(full_show)
    with full_show.app_context():
        cancel_ticket(tickets[0][2], now=utcnow())
    full_show.config["OUTBOX_PATH"] = str(tmp_path / "outbox")
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    from email import policy
    from email.parser import BytesParser

    messages = {}
    for path in (tmp_path / "outbox").glob("*.eml"):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        messages[path.stem.rsplit("-", 1)[1]] = message
    assert set(messages) == {"confirm", "ticket", "cancelled", "promoted"}
    assert messages["promoted"]["Subject"] == "Có chỗ trống: vé của bạn cho Buổi gala"
    assert messages["promoted"]["To"].addresses[0].addr_spec == "ban10@example.com"
    assert messages["promoted"].get_body(("plain",)).get_content().count("Tin vui") == 1


def test_people_waiting_beside_a_free_seat_come_before_a_newcomer(full_show, client, now):
    # An organiser's move gives a seat back without promoting anyone; the next registration
    # promotes the first in line before it takes a seat of its own.
    from checkin.attendees import move_ticket

    _register(client, 10, waitlist=True)
    tickets, _ = _tickets(full_show)
    with full_show.app_context():
        move_ticket(tickets[1][0], "waitlisted", now=now)
    status, body = _register(client, 11, waitlist=True)
    assert (status, body["status"]) == (201, "waitlisted")
    tickets, issued = _tickets(full_show)
    assert [t[1] for t in tickets] == ["issued", "issued", "waitlisted", "waitlisted"]
    assert issued == 2
    assert _promoted(full_show) == [tickets[1][0]]
