"""Shows and gates through the console's forms: validation, translated messages, CSRF."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.support.factories import make_show
from tests.support.organiser import form_token, organiser_client

SHOW_FORM = {
    "slug": "hoi-thao",
    "title_vi": "Hội thảo an toàn mạng",
    "title_en": "Online safety talk",
    "venue": "Nhà văn hóa Hoàn Kiếm",
    "doors_open_at": "2030-11-03T08:00",
    "starts_at": "2030-11-03T08:30",
    "ends_at": "2030-11-03T11:00",
    "ticket_quota": "300",
    "venue_capacity": "200",
    "reentry_allowed": "y",
    "registration_opens_at": "2030-10-01T09:00",
    "registration_closes_at": "2030-11-03T08:00",
    "waitlist_cutoff_minutes": "60",
}


def _show(app, slug):
    from checkin.extensions import db
    from checkin.models import Show

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == slug))
        db.session.expunge_all()
        return show


def test_create_a_show_in_hanoi_time(app, now):
    client = organiser_client(app, now)
    response = client.post(
        "/organiser/shows/new", data=SHOW_FORM | {"csrf_token": form_token(client, "/organiser/shows/new")}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    show = _show(app, "hoi-thao")
    assert show.title_vi == "Hội thảo an toàn mạng"
    assert show.doors_open_at.isoformat() == "2030-11-03T01:00:00"  # 08:00 in Hanoi is 01:00 UTC
    assert (show.ticket_quota, show.venue_capacity, show.reentry_allowed) == (300, 200, True)
    assert show.waitlist_cutoff_minutes == 60
    assert show.offline_names is False  # codes only unless an organiser says otherwise
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2030-11-03T08:00"' in page  # shown back in Hanoi time
    assert "Cổng A" in page  # the default gates


def test_invalid_show_form_shows_vietnamese_messages_next_to_fields(app, now):
    client = organiser_client(app, now)
    bad = SHOW_FORM | {
        "slug": "Bad Slug",
        "ticket_quota": "-3",
        "venue_capacity": "abc",
        "title_en": "",
        "ends_at": "2030-11-03T08:10",
        "csrf_token": form_token(client, "/organiser/shows/new"),
    }
    response = client.post("/organiser/shows/new", data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vui lòng nhập một số nguyên." in html  # translated messages, not English defaults
    assert "Từ 2 đến 40 chữ thường" in html
    assert "Not a valid integer" not in html and "This field is required" not in html
    assert html.count('class="field-error"') >= 4
    assert _show(app, "bad-slug") is None


def test_times_out_of_order_are_refused_by_the_domain(app, now):
    client = organiser_client(app, now)
    bad = SHOW_FORM | {
        "ends_at": "2030-11-03T08:10",
        "starts_at": "2030-11-03T08:30",
        "csrf_token": form_token(client, "/organiser/shows/new"),
    }
    response = client.post("/organiser/shows/new", data=bad)
    assert response.status_code == 422
    assert "Chương trình phải kết thúc sau khi bắt đầu." in response.get_data(as_text=True)
    assert _show(app, "hoi-thao") is None


def test_forms_without_csrf_change_nothing(app, now):
    make_show(app, "demo", quota=5)
    client = organiser_client(app, now)
    assert client.post("/organiser/shows/new", data=SHOW_FORM).status_code in (400, 422)
    assert _show(app, "hoi-thao") is None
    client.post("/organiser/shows/demo/registration", data={"registration": "closed"})
    assert _show(app, "demo").registration_open is True
    client.post("/organiser/shows/demo/gates", data={"label": "Cổng X"})
    assert "Cổng X" not in client.get("/organiser/shows/demo").get_data(as_text=True)


def test_edit_a_show_and_refuse_a_quota_below_the_issued_tickets(app, client, now):
    from tests.support.factories import person

    make_show(app, "demo", quota=5)
    for i in range(3):
        client.post("/api/v1/shows/demo/registrations", json=person(i))
    org = organiser_client(app, now)
    page = org.get("/organiser/shows/demo").get_data(as_text=True)
    assert "Buổi demo" in page
    show = _show(app, "demo")
    from checkin.shows import to_local

    data = {
        "title_vi": "Buổi mới",
        "title_en": "New show",
        "venue": "Hà Nội",
        "doors_open_at": to_local(show.doors_open_at).strftime("%Y-%m-%dT%H:%M"),
        "starts_at": to_local(show.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": to_local(show.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "ticket_quota": "2",
        "venue_capacity": "4",
        "registration_opens_at": to_local(show.registration_opens_at).strftime("%Y-%m-%dT%H:%M"),
        "registration_closes_at": to_local(show.registration_closes_at).strftime("%Y-%m-%dT%H:%M"),
        "waitlist_cutoff_minutes": "30",
        "csrf_token": form_token(org, "/organiser/shows/demo"),
    }
    response = org.post("/organiser/shows/demo", data=data)
    assert response.status_code == 409
    assert _show(app, "demo").ticket_quota == 5 and _show(app, "demo").title_vi == "Buổi demo"
    response = org.post("/organiser/shows/demo", data=data | {"ticket_quota": "8"})
    assert response.status_code == 303
    show = _show(app, "demo")
    assert (show.ticket_quota, show.venue_capacity, show.title_vi, show.waitlist_cutoff_minutes) == (
        8,
        4,
        "Buổi mới",
        30,
    )


def test_open_and_close_registration_now(app, now):
    make_show(app, "demo", quota=5)
    org = organiser_client(app, now)
    token = form_token(org, "/organiser/shows/demo")
    assert (
        org.post(
            "/organiser/shows/demo/registration", data={"registration": "closed", "csrf_token": token}
        ).status_code
        == 303
    )
    assert _show(app, "demo").registration_open is False
    assert org.post("/api/v1/shows/demo/registrations", json={}).status_code in (403, 422)
    org.post("/organiser/shows/demo/registration", data={"registration": "open", "csrf_token": token})
    assert _show(app, "demo").registration_open is True


def test_gates_add_rename_remove(app, now):
    from checkin.extensions import db
    from checkin.models import Gate

    make_show(app, "demo")
    org = organiser_client(app, now)
    token = form_token(org, "/organiser/shows/demo")
    assert (
        org.post(
            "/organiser/shows/demo/gates", data={"label": "Cổng Hồ Gươm", "csrf_token": token}
        ).status_code
        == 303
    )
    assert (
        org.post(
            "/organiser/shows/demo/gates", data={"label": "Cổng Tràng Tiền", "csrf_token": token}
        ).status_code
        == 303
    )
    org.post("/organiser/shows/demo/gates", data={"label": "Cổng Hồ Gươm", "csrf_token": token})  # duplicate
    org.post("/organiser/shows/demo/gates", data={"label": "x" * 41, "csrf_token": token})  # too long
    with app.app_context():
        gates = db.session.scalars(select(Gate).order_by(Gate.position)).all()
        assert [g.label for g in gates] == ["Cổng Hồ Gươm", "Cổng Tràng Tiền"]
        first, second = gates[0].id, gates[1].id
    org.post(f"/organiser/shows/demo/gates/{first}/rename", data={"label": "Cổng 1", "csrf_token": token})
    org.post(f"/organiser/shows/demo/gates/{second}/remove", data={"csrf_token": token})
    with app.app_context():
        assert [g.label for g in db.session.scalars(select(Gate))] == ["Cổng 1"]
    page = org.get("/organiser/shows/demo").get_data(as_text=True)
    assert "Cổng 1" in page


def test_dashboard_page_shows_the_numbers(app, client, now):
    from tests.support.factories import person

    make_show(app, "demo", quota=5, capacity=10)
    client.post("/api/v1/shows/demo/registrations", json=person(1))
    org = organiser_client(app, now)
    html = org.get("/organiser/?show=demo").get_data(as_text=True)
    assert 'data-stat="issued">1<' in html
    assert 'data-stat="ticket_quota">5<' in html
    assert 'data-stats-url="/api/v1/shows/demo/stats"' in html
    assert "js/dashboard.js" in html
    assert " style=" not in html  # the CSP forbids inline styles
    svg = org.get("/organiser/shows/demo/arrivals.svg")
    assert svg.mimetype == "image/svg+xml"
    assert org.get("/organiser/?show=nope").status_code == 404


def test_offline_names_is_set_by_the_form_and_audited(app, now):
    from checkin.extensions import db
    from checkin.models import AuditEntry

    client = organiser_client(app, now)
    token = form_token(client, "/organiser/shows/new")
    response = client.post(
        "/organiser/shows/new", data=SHOW_FORM | {"offline_names": "y", "csrf_token": token}
    )
    assert response.status_code == 303
    assert _show(app, "hoi-thao").offline_names is True
    page = client.get("/organiser/shows/hoi-thao").get_data(as_text=True)
    assert re.search(r'<input [^>]*checked id="offline_names"', page)
    assert "điện thoại của tình nguyện viên" in page  # the hint says where the names go
    edit = {name: value for name, value in SHOW_FORM.items() if name != "slug"}
    # An unticked checkbox is absent from the form: the show goes back to codes only.
    response = client.post("/organiser/shows/hoi-thao", data=edit | {"csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _show(app, "hoi-thao").offline_names is False
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "show.update")).one()
        assert (entry.before, entry.after) == ({"offline_names": True}, {"offline_names": False})
