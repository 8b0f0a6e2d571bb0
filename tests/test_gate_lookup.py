"""The gate's hand lookup: it answers as the scanner would, for the volunteer's own show only,
with little personal data, rate limited per volunteer and counted for the organisers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

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


def dashed(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@pytest.fixture
def gate(app, now):
    open_show(app, "gala", capacity=50, reentry_allowed=True, now=now)
    open_show(app, "minishow", capacity=50, now=now)
    add_volunteer(app, "vol")
    choose_gate(app, "vol", "gala", "Cổng A")
    return {"auth": {"Authorization": f"Bearer {api_token(app, 'vol')}"}}


def lookup(client, ctx, q, show="gala", **fields):
    return client.post("/api/v1/lookup", json={"show": show, "q": q, **fields}, headers=ctx["auth"])


def scan(client, ctx, code, direction="in", show="gala"):
    from tests.support.gate import payload as sign

    body = {
        "payload": sign(client.application, code),
        "show": show,
        "gate": "Cổng A",
        "direction": direction,
        "client_scan_id": scan_id(),
    }
    return client.post("/api/v1/scans", json=body, headers=ctx["auth"]).json


def test_every_state_in_the_scanners_words_and_admit_only_where_a_scan_would(app, client, gate, now):
    """The lookup said "no ticket found" for another show's ticket and offered "admit" on
    cancelled tickets and on people inside."""
    from checkin.database import transaction
    from checkin.models import Ticket

    fresh, inside, exited, cancelled, waitlisted = issue(app, "gala", 5)
    [other] = issue(app, "minishow", 1, start=10)
    open_show(app, "later", doors_open_at=now + timedelta(hours=2), now=now)
    with app.app_context(), transaction() as session:
        session.scalar(select(Ticket).where(Ticket.code == cancelled)).status = "cancelled"
        session.scalar(select(Ticket).where(Ticket.code == waitlisted)).status = "waitlisted"
    assert scan(client, gate, inside)["result"] == "admitted"
    assert scan(client, gate, exited)["result"] == "admitted"
    assert scan(client, gate, exited, "out")["result"] == "exited"

    def row(code, **fields):
        response = lookup(client, gate, code, **fields)
        assert response.status_code == 200, response.json
        [found] = response.json["tickets"]
        return found

    expected = {
        fresh: ("admitted", True),
        inside: ("already_inside", False),
        exited: ("reentered", True),
        cancelled: ("cancelled", False),
        waitlisted: ("waitlisted", False),
        other: ("wrong_show", False),
    }
    for code, (result, can_admit) in expected.items():
        found = row(code)
        scanned_words = found["answer"]["message"]
        assert (found["answer"]["result"], found["can_admit"]) == (result, can_admit), code
        assert found["code"] == dashed(code)
        assert scanned_words
    assert row(other)["name"] is None and row(other)["phone_tail"] is None
    assert row(other)["answer"]["message"] == "Vé này dành cho buổi khác: Buổi minishow."
    inside_words = row(inside)["answer"]["message"]
    assert inside_words == scan(client, gate, inside)["message"]  # the scanner's own sentence
    assert row(dashed(cancelled).lower())["answer"]["result"] == "cancelled"  # with or without the dash
    assert row(inside, direction="out")["can_admit"] is True
    # Doors not open yet: choose a gate of the later show.
    [early] = issue(app, "later", 1, start=20)
    choose_gate(app, "vol", "later", "Cổng 1")
    found = row(early, show="later")
    assert found["answer"]["result"] == "not_open" and found["can_admit"] is False


def test_a_volunteer_sees_only_the_show_of_their_gate(app, client, gate):
    """One volunteer token read every show's attendees through the gate list and the lookup."""
    issue(app, "minishow", 3)
    assert lookup(client, gate, "Nguyễn Văn", show="minishow").status_code == 403
    assert lookup(client, gate, "Nguyễn Văn", show="minishow").json["error"]["code"] == "gate_not_chosen"
    assert client.get("/api/v1/shows/minishow/gate-list", headers=gate["auth"]).status_code == 403
    assert client.get("/api/v1/shows/gala/gate-list", headers=gate["auth"]).status_code == 200
    add_volunteer(app, "newcomer")
    newcomer = {"Authorization": f"Bearer {api_token(app, 'newcomer')}"}
    assert client.get("/api/v1/shows/gala/gate-list", headers=newcomer).status_code == 403
    chose = client.post("/api/v1/gate", json={"show": "minishow", "gate": "Cổng 9"}, headers=newcomer)
    assert chose.status_code == 404  # no such gate
    add_gates(app, "minishow", "Cổng 9")
    assert (
        client.post("/api/v1/gate", json={"show": "minishow", "gate": "Cổng 9"}, headers=newcomer).status_code
        == 200
    )
    assert client.get("/api/v1/shows/minishow/gate-list", headers=newcomer).status_code == 200
    assert client.get("/api/v1/shows/gala/gate-list", headers=newcomer).status_code == 403


def test_a_search_needs_three_letters_and_answers_a_handful_without_birth_years(app, client, gate):
    """A 2-letter search returned ten names, each with a birth year and a phone tail."""
    from checkin.registration import register
    from tests.support.factories import person

    issue(app, "gala", 12)
    with app.app_context():
        from checkin.database import utcnow

        register(
            "gala",
            person(
                40,
                name="Lê Thu An",
                birth_year=utcnow().year - 14,
                guardian_name="Lê Văn Bố",
                guardian_consent=True,
            ),
            now=utcnow(),
        )
    short = lookup(client, gate, "Ng")
    assert short.status_code == 422 and short.json["error"]["field_codes"] == {"q": "query_too_short"}
    assert lookup(client, gate, "  ").status_code == 422
    many = lookup(client, gate, "Nguyen").json["tickets"]
    assert len(many) == 5
    assert all(set(row) == {"code", "name", "under_16", "phone_tail", "can_admit", "answer"} for row in many)
    assert all(len(row["phone_tail"]) == 3 for row in many)
    [child] = lookup(client, gate, "thu an").json["tickets"]
    assert child["under_16"] is True and many[0]["under_16"] is False
    assert len(lookup(client, gate, "0912 000 003").json["tickets"]) == 1


def test_lookups_are_audited_without_what_was_typed_and_counted_per_volunteer(app, client, gate, now):
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import AuditEntry, Show
    from checkin.stats import show_stats

    [code] = issue(app, "gala", 1)
    lookup(client, gate, "Nguyễn Văn")
    lookup(client, gate, "0912 000 000")
    admit = {"code": dashed(code), "show": "gala", "gate": "Cổng A", "client_scan_id": scan_id()}
    assert client.post("/api/v1/scans/manual", json=admit, headers=gate["auth"]).json["result"] == "admitted"
    scan(client, gate, code, "out")
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "gate_lookup")).all()
        assert [entry.after for entry in entries] == [
            {"kind": "name", "rows": 1},
            {"kind": "phone", "rows": 1},
        ]
        assert all("Nguy" not in str(entry.after) and "0912" not in str(entry.after) for entry in entries)
        show = db.session.scalar(select(Show).where(Show.slug == "gala"))
        assert show_stats(db.session, show, utcnow()).volunteers == {"vol": {"lookups": 2, "by_hand": 1}}
    organiser = add_volunteer(app, "org", role="organiser")
    assert organiser
    stats = client.get(
        "/api/v1/shows/gala/stats", headers={"Authorization": f"Bearer {api_token(app, 'org')}"}
    ).json
    assert stats["volunteers"] == {"vol": {"lookups": 2, "by_hand": 1}}
    from tests.support.organiser import organiser_client

    page = organiser_client(app, now, name="boss").get("/organiser/?show=gala").get_data(as_text=True)
    row = re.search(
        r'id="volunteers-table".*?<th scope="row">vol</th><td>(\d+)</td><td>(\d+)</td>', page, re.S
    )
    assert row and row.groups() == ("2", "1")


def test_lookups_and_admissions_by_hand_are_rate_limited_per_volunteer(app_config, app):
    """A script used up 20 tickets in half a second through admission by hand."""
    from checkin import create_app

    open_show(app, "gala", capacity=50)
    codes = issue(app, "gala", 6)
    for name in ("vol", "other"):
        add_volunteer(app, name)
        choose_gate(app, name, "gala", "Cổng A")
    limited = create_app(
        {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "GATE_LOOKUP_RATE_LIMIT": "3 per minute",
            "GATE_MANUAL_RATE_LIMIT": "2 per minute",
        }
    )
    client = limited.test_client()
    vol = {"Authorization": f"Bearer {api_token(app, 'vol')}"}
    other = {"Authorization": f"Bearer {api_token(app, 'other')}"}

    def admit(code, auth):
        body = {"code": code, "show": "gala", "gate": "Cổng A", "client_scan_id": scan_id()}
        return client.post("/api/v1/scans/manual", json=body, headers=auth).status_code

    assert [admit(code, vol) for code in codes[:3]] == [200, 200, 429]
    assert admit(codes[3], other) == 200  # per volunteer, not per address
    statuses = [
        client.post("/api/v1/lookup", json={"show": "gala", "q": "Nguyen"}, headers=vol).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    with limited.app_context():
        from checkin.extensions import db
        from checkin.models import Ticket

        assert db.session.scalar(select(Ticket.admitted_at).where(Ticket.code == codes[2])) is None


def test_a_batch_with_repeated_ids_answers_each_item_for_itself(app, client, gate, now):
    """Two batch items sharing an id got each other's answers."""
    a, b = issue(app, "gala", 2)
    at = (now - timedelta(minutes=5)).isoformat() + "Z"
    item = {"show": "gala", "gate": "Cổng A", "direction": "in", "scanned_at": at, "local_result": "admitted"}
    scans = [
        {**item, "payload": payload(app, a), "client_scan_id": "same"},
        {**item, "payload": payload(app, b), "client_scan_id": "same"},
        {**item, "payload": payload(app, a), "client_scan_id": "same"},
    ]
    results = client.post("/api/v1/scans/batch", json={"scans": scans}, headers=gate["auth"]).json["results"]
    assert results[0]["result"] == "admitted" and results[0]["ticket"]["code"] == a
    assert results[1]["error"]["code"] == "scan_id_reused" and "ticket" not in results[1]
    assert results[2]["result"] == "admitted" and results[2]["ticket"]["code"] == a
    # Another volunteer with the same id gets a 409, not the first volunteer's answer.
    add_volunteer(app, "minh")
    minh = {"Authorization": f"Bearer {api_token(app, 'minh')}"}
    body = {"payload": payload(app, a), "show": "gala", "gate": "Cổng A", "client_scan_id": "same"}
    response = client.post("/api/v1/scans", json=body, headers=minh)
    assert response.status_code == 409 and response.json["error"]["code"] == "scan_id_reused"
    assert "Nguyễn" not in response.get_data(as_text=True)
