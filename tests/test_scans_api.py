"""POST /api/v1/scans and the gate's other endpoints, as DESIGN.md §5 says: results, bad input, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkin import admission
from checkin.database import utcnow
from tests.support.gate import (
    add_gates,
    add_volunteer,
    api_token,
    choose_gate,
    issue,
    open_show,
    payload,
    scan_id,
)
from tests.support.web import csrf_token, login


@pytest.fixture
def gate(app):
    """A show with open doors, three tickets and a volunteer's token."""
    open_show(app, capacity=2)
    codes = issue(app, "gate", 3)
    add_volunteer(app, "vol")
    choose_gate(app, "vol", "gate", "Cổng A")
    add_gates(app, "gate", "Cổng B")
    return {"codes": codes, "auth": {"Authorization": f"Bearer {api_token(app, 'vol')}"}}


def post_scan(client, ctx, text, **fields):
    body = {"payload": text, "show": "gate", "gate": "Cổng B", "direction": "in", "client_scan_id": scan_id()}
    body.update(fields)
    return client.post("/api/v1/scans", json=body, headers=ctx["auth"])


def test_admitted_answer_has_the_contract_shape(app, client, gate):
    response = post_scan(client, gate, payload(app, gate["codes"][0]))
    assert response.status_code == 200
    body = response.json
    assert body["result"] == "admitted" and body["ok"] is True
    assert body["ticket"] == {
        "code": gate["codes"][0],
        "name": "Nguyễn Văn 0",
        "show": "gate",
        "show_title": "Buổi gate",
    }
    assert body["message"] == "Vé hợp lệ: mời Nguyễn Văn 0 vào!"
    assert response.headers["Cache-Control"] == "no-store"


def test_second_scan_says_when_and_where_in_vietnamese(app, client, gate):
    from checkin.extensions import db
    from checkin.models import Ticket
    from checkin.shows import to_local

    text = payload(app, gate["codes"][0])
    post_scan(client, gate, text)
    body = post_scan(client, gate, text, gate="Cổng A").json
    with app.app_context():
        first = db.session.query(Ticket).filter_by(code=gate["codes"][0]).one().admitted_at
    hhmm = to_local(first).strftime("%H:%M")
    assert body["result"] == "already_inside" and body["ok"] is False
    assert body["first_admitted_at"] == hhmm and body["first_gate"] == "Cổng B"
    assert body["message"] == f"Vé đã được quét lúc {hhmm} tại Cổng B."
    english = client.post(
        "/api/v1/scans?lang=en",
        headers=gate["auth"],
        json={"payload": text, "gate": "Cổng A", "client_scan_id": scan_id()},
    ).json
    assert english["message"] == f"Ticket already scanned at {hhmm} at Cổng B."


def test_every_result_code_through_the_api(app, client, gate, now):
    from checkin.database import transaction
    from checkin.models import Show, Ticket

    a, b, c = gate["codes"]
    open_show(app, "other", reentry_allowed=True)
    open_show(app, "later", doors_open_at=now + timedelta(hours=2))
    [other] = issue(app, "other", 1, start=10)
    [later] = issue(app, "later", 1, start=20)
    [cancelled, waitlisted] = issue(app, "gate", 2, start=30)
    with app.app_context(), transaction() as session:
        session.query(Ticket).filter_by(code=cancelled).one().status = "cancelled"
        session.query(Ticket).filter_by(code=waitlisted).one().status = "waitlisted"

    seen = set()

    def result(text, **fields):
        response = post_scan(client, gate, text, **fields)
        assert response.status_code == 200, response.json
        assert response.json["message"]
        seen.add(response.json["result"])
        return response.json["result"]

    assert result(payload(app, a)) == "admitted"
    assert result(payload(app, a)) == "already_inside"
    assert result(payload(app, b)) == "admitted"
    assert result(payload(app, c)) == "venue_full"
    assert result(payload(app, b), direction="out") == "exited"
    assert result(payload(app, b), direction="out") == "not_inside"
    assert result("not a ticket") == "invalid"
    assert result(payload(app, "ZZZZ2222")) == "unknown"
    assert result(payload(app, other)) == "wrong_show"
    assert result(payload(app, later), show="later") == "not_open"
    assert result(payload(app, cancelled)) == "cancelled"
    assert result(payload(app, waitlisted)) == "waitlisted"
    assert result(payload(app, other), show="other") == "admitted"
    assert result(payload(app, other), show="other", direction="out") == "exited"
    assert result(payload(app, other), show="other") == "reentered"
    assert seen == set(admission.LOCAL_RESULTS)  # "conflict" comes only from offline uploads
    with app.app_context():
        assert Show.query.filter_by(slug="gate").one().inside_count == 1


@pytest.mark.parametrize(
    "text",
    [
        "https://kmm.example/t/abcdef",
        "WIFI:S:cafe;T:WPA;P:secret;;",
        "🙂" * 50,
        "K1:" + "A" * 300,
        " ",
    ],
)
def test_foreign_qr_codes_are_an_invalid_result_not_an_error(app, client, gate, text):
    response = post_scan(client, gate, text)
    assert response.status_code == 200 and response.json["result"] == "invalid"
    assert response.json["message"].startswith("Vé không hợp lệ")


def test_a_ticket_signed_by_another_key_is_invalid(app, client, gate, tmp_path):
    from checkin import tickets
    from checkin.signing import Keyring

    stranger = Keyring.generate()
    forged = tickets.sign_payload(gate["codes"][0], stranger)
    assert post_scan(client, gate, forged).json["result"] == "invalid"


def test_the_same_client_scan_id_answers_the_same_and_records_once(app, client, gate):
    from checkin.extensions import db
    from checkin.models import Scan

    text = payload(app, gate["codes"][0])
    first = post_scan(client, gate, text, client_scan_id="phone-7:0001")
    again = post_scan(client, gate, text, client_scan_id="phone-7:0001")
    assert first.json == again.json and again.json["result"] == "admitted"
    with app.app_context():
        assert db.session.query(Scan).count() == 1


def test_device_time_is_recorded(app, client, gate):
    from checkin.extensions import db
    from checkin.models import Scan

    claimed = (utcnow() - timedelta(minutes=3)).replace(microsecond=0)
    post_scan(client, gate, payload(app, gate["codes"][0]), scanned_at=claimed.isoformat() + "Z")
    with app.app_context():
        assert db.session.query(Scan).one().scanned_at == claimed


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "payload"),
        ({"payload": 12}, "payload"),
        ({"payload": ["x"]}, "payload"),
        ({"payload": "x", "gate": None}, "gate"),
        ({"payload": "x", "gate": "G" * 41}, "gate"),
        ({"payload": "x", "direction": "sideways"}, "direction"),
        ({"payload": "x", "client_scan_id": 5}, "client_scan_id"),
        ({"payload": "x", "client_scan_id": "c" * 65}, "client_scan_id"),
        ({"payload": "x", "scanned_at": "yesterday"}, "scanned_at"),
        ({"payload": "x", "scanned_at": 1700000000}, "scanned_at"),
        ({"payload": "x", "show": {"slug": "gate"}}, "show"),
    ],
)
def test_wrong_fields_are_422_with_the_field_named(app, client, gate, body, field):
    full = {"payload": "x", "gate": "A", "client_scan_id": scan_id()}
    full.update(body)
    if body == {}:
        full.pop("payload")
    response = client.post("/api/v1/scans", json=full, headers=gate["auth"])
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert field in response.json["error"]["fields"]


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("", "application/json"),
        ("[1, 2]", "application/json"),
        ("null", "application/json"),
        ("{not json", "application/json"),
        ("payload=x", "application/x-www-form-urlencoded"),
    ],
)
def test_bodies_that_are_not_an_object_are_422(app, client, gate, data, content_type):
    response = client.post("/api/v1/scans", data=data, content_type=content_type, headers=gate["auth"])
    assert response.status_code == 422 and response.json["error"]["code"] == "invalid"


def test_a_huge_body_is_413(app, client, gate):
    body = '{"payload": "' + "A" * 200_000 + '"}'
    response = client.post("/api/v1/scans", data=body, content_type="application/json", headers=gate["auth"])
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic dm9sOnB3", "Bearer "])
def test_no_or_wrong_token_is_401(app, client, gate, header):
    headers = {"Authorization": header} if header else {}
    body = {"payload": payload(app, gate["codes"][0]), "gate": "A", "client_scan_id": scan_id()}
    response = client.post("/api/v1/scans", json=body, headers=headers)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    from checkin.extensions import db
    from checkin.models import Scan

    with app.app_context():
        assert db.session.query(Scan).count() == 0


def test_a_signed_in_volunteer_scans_with_the_csrf_header(app, client, gate):
    login(client, "vol", "correct horse battery")
    body = {
        "payload": payload(app, gate["codes"][0]),
        "show": "gate",
        "gate": "A",
        "client_scan_id": scan_id(),
    }
    assert client.post("/api/v1/scans", json=body).status_code == 400  # no CSRF header: refused
    token = csrf_token(client, "/gate/setup")
    response = client.post("/api/v1/scans", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json["result"] == "admitted"


def test_volunteers_cannot_reach_organiser_pages_or_apis(app, client, gate):
    assert client.get("/api/v1/shows/gate/stats", headers=gate["auth"]).status_code == 403
    login(client, "vol", "correct horse battery")
    assert client.get("/organiser/").status_code == 403


def test_manual_admission_by_lookup_and_by_code(app, client, gate):
    from checkin.extensions import db
    from checkin.models import Scan

    found = client.post("/api/v1/lookup", json={"show": "gate", "q": "nguyen van 1"}, headers=gate["auth"])
    assert found.status_code == 200
    [ticket] = found.json["tickets"]
    code = gate["codes"][1]
    assert ticket["code"] == f"{code[:4]}-{code[4:]}" and ticket["phone_tail"] == "001"
    assert ticket["can_admit"] is True and ticket["answer"]["result"] == "admitted"
    assert "id" not in ticket and "birth_year" not in ticket
    body = {"code": ticket["code"], "show": "gate", "gate": "Cổng A", "client_scan_id": scan_id()}
    assert client.post("/api/v1/scans/manual", json=body, headers=gate["auth"]).json["result"] == "admitted"
    typed = {"code": code.lower(), "show": "gate", "gate": "Cổng A", "client_scan_id": scan_id()}
    again = client.post("/api/v1/scans/manual", json=typed, headers=gate["auth"]).json
    assert again["result"] == "already_inside" and again["first_gate"] == "Cổng A"
    with app.app_context():
        assert {s.method for s in db.session.query(Scan)} == {"manual"}
    by_phone = client.post("/api/v1/lookup", json={"show": "gate", "q": "0912 000 002"}, headers=gate["auth"])
    assert [t["code"].replace("-", "") for t in by_phone.json["tickets"]] == [gate["codes"][2]]
    assert (
        client.post("/api/v1/lookup", json={"show": "gate", "q": 5}, headers=gate["auth"]).status_code == 422
    )
    assert (
        client.post(
            "/api/v1/scans/manual", json={"gate": "A", "client_scan_id": scan_id()}, headers=gate["auth"]
        ).status_code
        == 422
    )
    # A sequential id admits nobody: the request is refused as it stands.
    by_id = {"ticket_id": 1, "show": "gate", "gate": "Cổng A", "client_scan_id": scan_id()}
    assert client.post("/api/v1/scans/manual", json=by_id, headers=gate["auth"]).status_code == 422


def test_lookup_needs_staff(app, client, gate):
    response = client.post("/api/v1/lookup", json={"show": "gate", "q": "Nguyễn"})
    assert response.status_code == 401


def test_undo_the_last_admission_with_a_reason(app, client, gate):
    text = payload(app, gate["codes"][0])
    post_scan(client, gate, text)
    undo = {"reason": "quét nhầm người", "gate": "Cổng B", "client_scan_id": scan_id()}
    response = client.post("/api/v1/scans/undo", json=undo, headers=gate["auth"])
    assert response.status_code == 200 and response.json["result"] == "undone"
    assert response.json["ticket"]["code"] == gate["codes"][0]
    again = client.post(
        "/api/v1/scans/undo", json={**undo, "client_scan_id": scan_id()}, headers=gate["auth"]
    )
    assert again.status_code == 409 and again.json["error"]["code"] == "nothing_to_undo"
    assert post_scan(client, gate, text).json["result"] == "admitted"
    no_reason = client.post(
        "/api/v1/scans/undo", json={"gate": "B", "client_scan_id": scan_id()}, headers=gate["auth"]
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["fields"]


def test_gate_counters(app, client, gate):
    post_scan(client, gate, payload(app, gate["codes"][0]), gate="Cổng B")
    post_scan(client, gate, payload(app, gate["codes"][1]), gate="Cổng A")
    response = client.get("/api/v1/shows/gate/gate-counters?gate=Cổng B", headers=gate["auth"])
    assert response.json == {"gate": "Cổng B", "gate_admitted": 1, "inside": 2, "capacity": 2}
    assert client.get("/api/v1/shows/nope/gate-counters?gate=A", headers=gate["auth"]).status_code == 404
    assert client.get("/api/v1/shows/gate/gate-counters?gate=A").status_code == 401
