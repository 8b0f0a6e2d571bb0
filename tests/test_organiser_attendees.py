"""Attendees through the console: search, a ticket's history, cancel, resend, move, admit."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.support.factories import make_show, person
from tests.support.organiser import admit, form_token, open_doors, organiser_client
from tests.support.registering import registered


def _register(client, slug, i, **overrides):
    return registered(client, slug, person(i, **overrides))["code"]


def _ticket(app, code):
    from checkin.extensions import db
    from checkin.models import Ticket

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.code == code))
        db.session.expunge_all()
        return ticket


def test_search_by_name_email_phone_and_code(app, client, now):
    make_show(app, "demo", quota=10)
    trang = _register(
        client, "demo", 1, name="Phạm Thu Trang", email="trang.pham@example.vn", phone="0987 654 321"
    )
    _register(client, "demo", 2, name="Lê Văn Hùng")
    org = organiser_client(app, now)

    token = form_token(org, "/organiser/attendees")

    def found(query):
        response = org.post("/organiser/attendees", data={"q": query, "csrf_token": token})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        return trang in html, "Lê Văn Hùng" in html

    assert found("Thu Trang") == (True, False)
    assert found("trang.pham@") == (True, False)
    assert found("0987654321") == (True, False)
    assert found("+84987654321") == (True, False)
    assert found(f"{trang[:4]}-{trang[4:]}".lower()) == (True, False)
    assert found("Hùng") == (False, True)
    # Without diacritics or case, as people type in a hurry or without a Vietnamese keyboard.
    assert found("pham thu trang") == (True, False)
    assert found("LE VAN HUNG") == (False, True)
    assert found("hÙng") == (False, True)
    assert found("100%_") == (False, False)  # LIKE wildcards are searched as text
    assert found("") == (True, True)
    filtered = org.post("/organiser/attendees", data={"status": "waitlisted", "csrf_token": token})
    assert trang not in filtered.get_data(as_text=True)
    # Without the CSRF token the search answers nothing.
    forged = org.post("/organiser/attendees", data={"q": "Trang"})
    assert forged.status_code == 400 and trang not in forged.get_data(as_text=True)


def test_ticket_page_shows_the_whole_history(app, client, now):
    make_show(app, "demo", quota=10, capacity=10)
    code = _register(client, "demo", 1)
    open_doors(app, "demo", now)
    admit(app, code, "Cổng A", now)
    admit(app, code, "Cổng B", now)
    org = organiser_client(app, now)
    html = org.get(f"/organiser/tickets/{code}").get_data(as_text=True)
    assert "Nguyễn Văn 1" in html
    history = html.split('id="history"', 1)[1]
    for expected in (
        "Cổng A",
        "Cổng B",
        "vé hoặc chỗ trong danh sách chờ",
    ):  # both scans and the ticket's e-mail
        assert expected in history
    assert org.get("/organiser/tickets/NOPE2345").status_code == 404


def test_move_between_waitlist_and_issued_within_the_quota(app, client, now):
    from checkin.extensions import db
    from checkin.models import Show

    make_show(app, "demo", quota=1, waitlist_cutoff_minutes=0)
    first = _register(client, "demo", 1)
    waiting = registered(client, "demo", person(2) | {"waitlist": True})["code"]
    assert _ticket(app, waiting).status == "waitlisted"
    org = organiser_client(app, now)
    token = form_token(org, f"/organiser/tickets/{waiting}")

    org.post(f"/organiser/tickets/{waiting}/move", data={"status": "issued", "csrf_token": token})
    assert _ticket(app, waiting).status == "waitlisted"  # the quota is full

    org.post(f"/organiser/tickets/{first}/move", data={"status": "waitlisted", "csrf_token": token})
    assert _ticket(app, first).status == "waitlisted"
    org.post(f"/organiser/tickets/{waiting}/move", data={"status": "issued", "csrf_token": token})
    assert _ticket(app, waiting).status == "issued"
    org.post(
        f"/organiser/tickets/{waiting}/move", data={"status": "issued", "csrf_token": token}
    )  # twice: once
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "demo"))
        assert show.issued_count == 1 == show.ticket_quota


def test_cancel_and_resend(app, client, now):
    from checkin.extensions import db
    from checkin.models import OutboxMessage

    make_show(app, "demo", quota=3)
    code = _register(client, "demo", 1)
    org = organiser_client(app, now)
    token = form_token(org, f"/organiser/tickets/{code}")
    assert org.post(f"/organiser/tickets/{code}/resend", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["confirm", "ticket", "resend"]
    assert org.post(f"/organiser/tickets/{code}/cancel", data={"csrf_token": token}).status_code == 303
    assert _ticket(app, code).status == "cancelled"
    org.post(f"/organiser/tickets/{code}/cancel", data={"csrf_token": token})  # again: refused, unchanged
    page = org.get(f"/organiser/tickets/{code}").get_data(as_text=True)
    assert "Vé này đã bị hủy" in page or "already cancelled" in page or "đã hủy" in page


def test_admit_by_hand_needs_a_reason_and_goes_through_the_gate_rules(app, client, now):
    from checkin.extensions import db
    from checkin.models import Scan

    make_show(app, "demo", quota=3, capacity=1)
    one, two = _register(client, "demo", 1), _register(client, "demo", 2)
    open_doors(app, "demo", now)
    org = organiser_client(app, now)
    token = form_token(org, f"/organiser/tickets/{one}")
    response = org.post(
        f"/organiser/tickets/{one}/admit", data={"gate": "Cổng A", "reason": "", "csrf_token": token}
    )
    assert response.status_code == 422
    assert _ticket(app, one).admitted_at is None
    response = org.post(
        f"/organiser/tickets/{one}/admit",
        data={"gate": "Cổng A", "reason": "Điện thoại hết pin, đã xem CCCD", "csrf_token": token},
    )
    assert response.status_code == 303
    assert _ticket(app, one).inside is True
    org.post(
        f"/organiser/tickets/{two}/admit", data={"gate": "Cổng A", "reason": "Quên vé", "csrf_token": token}
    )
    assert _ticket(app, two).admitted_at is None  # the venue is full: the gate's rule holds
    with app.app_context():
        results = db.session.scalars(select(Scan.result).order_by(Scan.id)).all()
        manual = db.session.scalar(select(func.count()).select_from(Scan).where(Scan.method == "manual"))
    assert results == ["admitted", "venue_full"] and manual == 2
