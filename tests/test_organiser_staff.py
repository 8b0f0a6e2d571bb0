"""Staff through the console: add, new password, deactivate, and pairing a volunteer's phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.factories import make_show
from tests.support.organiser import add_account, form_token, organiser_client, sign_in
from tests.support.web import login


def _staff_id(app, name):
    from checkin.extensions import db
    from checkin.models import Staff

    with app.app_context():
        return db.session.scalar(select(Staff.id).where(Staff.name == name))


def test_add_an_account_shows_its_password_once(app, now):
    org = organiser_client(app, now)
    response = org.post(
        "/organiser/staff",
        data={"name": "Lan", "role": "volunteer", "csrf_token": form_token(org, "/organiser/staff")},
    )
    assert response.status_code == 201
    password = re.search(r'<code class="password">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    assert login(app.test_client(), "Lan", password).status_code == 303
    assert password not in org.get("/organiser/staff").get_data(as_text=True)
    again = org.post(
        "/organiser/staff",
        data={"name": "Lan", "role": "volunteer", "csrf_token": form_token(org, "/organiser/staff")},
    )
    assert again.status_code == 409
    bad = org.post(
        "/organiser/staff",
        data={"name": "", "role": "boss", "csrf_token": form_token(org, "/organiser/staff")},
    )
    assert bad.status_code == 422


def test_reset_password_signs_the_account_out(app, now):
    volunteer = app.test_client()
    sign_in(volunteer, "Minh", add_account(app, "Minh", "volunteer", now))
    make_show(app, "demo")
    assert volunteer.get("/api/v1/shows/demo/stats").status_code == 403  # signed in, wrong role
    org = organiser_client(app, now)
    response = org.post(
        f"/organiser/staff/{_staff_id(app, 'Minh')}/password",
        data={"csrf_token": form_token(org, "/organiser/staff")},
    )
    new = re.search(r'<code class="password">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    assert volunteer.get("/api/v1/shows/demo/stats").status_code == 401  # the old session ended
    assert login(app.test_client(), "Minh", "pw-Minh-secret").status_code == 401
    assert login(app.test_client(), "Minh", new).status_code == 303


def test_an_organiser_cannot_deactivate_themselves(app, now):
    org = organiser_client(app, now, name="self")
    response = org.post(
        f"/organiser/staff/{_staff_id(app, 'self')}/deactivate",
        data={"csrf_token": form_token(org, "/organiser/staff")},
    )
    assert response.status_code == 303
    assert org.get("/organiser/").status_code == 200


def _pair(app, org, volunteer_id, gate_value):
    return org.post(
        "/organiser/staff/pair",
        data={
            "staff_id": str(volunteer_id),
            "gate": gate_value,
            "csrf_token": form_token(org, "/organiser/staff"),
        },
    )


def test_pairing_signs_a_phone_in_once_at_the_chosen_gate(app, now):
    make_show(app, "demo", gates=[])
    from checkin.shows import add_gate

    with app.app_context():
        add_gate("demo", "Cổng Đinh Tiên Hoàng", now=now)
    add_account(app, "Hoa", "volunteer", now)
    org = organiser_client(app, now)
    assert "Cổng Đinh Tiên Hoàng" in org.get("/organiser/staff").get_data(as_text=True)
    response = _pair(app, org, _staff_id(app, "Hoa"), "demo\nCổng Đinh Tiên Hoàng")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<svg" in html
    url = re.search(r'id="pairing-url">([^<]+)<', html).group(1)
    path = url.split("checkin.test", 1)[1]
    assert path.startswith("/pair/")

    phone = app.test_client()
    page = phone.get(path)
    assert page.status_code == 200  # a page, not yet a sign-in: prefetchers do not spend the code
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(
        1
    )
    signed_in = phone.post(path, data={"csrf_token": token})
    assert signed_in.status_code == 200
    html = signed_in.get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    fields = dict(re.findall(r'name="(csrf_token|show|gate)" (?:type="hidden" )?value="([^"]+)"', html))
    assert fields["gate"] == "Cổng Đinh Tiên Hoàng" and fields["show"] == "demo"
    assert phone.post(form, data=fields).status_code == 303  # what paired.js submits at once
    scanner = phone.get("/gate")
    assert scanner.status_code == 200, "the gate page reads the show and gate the pairing chose"
    assert "Cổng Đinh Tiên Hoàng" in scanner.get_data(as_text=True)

    second = app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', second.get(path).get_data(as_text=True)
    ).group(1)
    assert second.post(path, data={"csrf_token": token}).status_code == 404  # used once only


def test_pairing_refuses_organisers_and_unknown_gates(app, now):
    from checkin.shows import add_gate

    make_show(app, "demo")
    with app.app_context():
        add_gate("demo", "G1", now=now)
    add_account(app, "Other", "organiser", now)
    add_account(app, "Vy", "volunteer", now)
    org = organiser_client(app, now)
    assert _pair(app, org, _staff_id(app, "Other"), "demo\nG1").status_code == 422
    assert _pair(app, org, _staff_id(app, "Vy"), "demo\nCổng Ma").status_code == 422
    assert _pair(app, org, _staff_id(app, "Vy"), "demo\nG1").status_code == 200


def test_pairing_codes_expire_and_die_with_the_account(app, now):
    from checkin.errors import NotFound
    from checkin.shows import add_gate
    from checkin.staff import create_pairing, deactivate, redeem_pairing

    make_show(app, "demo")
    add_account(app, "Tuan", "volunteer", now)
    tuan = _staff_id(app, "Tuan")
    with app.app_context():
        add_gate("demo", "G1", now=now)
        code, expires_at = create_pairing(tuan, "demo", "G1", now=now)
        assert expires_at == now + timedelta(minutes=10)
        with pytest.raises(NotFound):
            redeem_pairing(code, now=now + timedelta(minutes=11))
        code, _ = create_pairing(tuan, "demo", "G1", now=now)
        deactivate(tuan, now=now)
        with pytest.raises(NotFound):
            redeem_pairing(code, now=now + timedelta(minutes=1))
        with pytest.raises(NotFound):
            redeem_pairing("not-a-code", now=now)
