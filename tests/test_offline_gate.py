"""Issue 7, the server's side: the gate phones' ticket list (full and incremental) and late
uploads of offline scans, where the earliest admission stands in any order of arrival and the
counters stay equal to the log."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from checkin.database import utcnow
from tests.support.gate import add_volunteer, api_token, choose_gate, issue, open_show, payload, scan_id
from tests.support.web import login


@pytest.fixture
def gate(app):
    open_show(app, "gala", capacity=3)
    open_show(app, "minishow")
    codes = issue(app, "gala", 4)
    other = issue(app, "minishow", 1, start=50)
    add_volunteer(app, "vol")
    choose_gate(app, "vol", "gala", "Cổng A")
    return {"codes": codes, "other": other, "auth": {"Authorization": f"Bearer {api_token(app, 'vol')}"}}


def gate_list(client, ctx, since=None):
    url = "/api/v1/shows/gala/gate-list" + (f"?since={since}" if since else "")
    response = client.get(url, headers=ctx["auth"])
    assert response.status_code == 200, response.json
    return response.json


def upload(client, ctx, *scans):
    response = client.post("/api/v1/scans/batch", json={"scans": list(scans)}, headers=ctx["auth"])
    assert response.status_code == 200, response.json
    return response.json["results"]


def offline_scan(app, code, *, gate="Cổng A", minutes_ago=10, local="admitted", direction="in", **fields):
    body = {
        "payload": payload(app, code) if len(code) == 8 else code,
        "show": "gala",
        "gate": gate,
        "direction": direction,
        "client_scan_id": scan_id(),
        "local_result": local,
        "scanned_at": (utcnow() - timedelta(minutes=minutes_ago)).isoformat() + "Z",
    }
    body.update(fields)
    return body


def cancel(app, code):
    from checkin.cancellation import cancel_ticket
    from checkin.extensions import db
    from checkin.models import Ticket

    with app.app_context():
        cancel_ticket(db.session.query(Ticket).filter_by(code=code).one().token, now=utcnow())


def by_code(entries):
    return {entry[0]: entry[1:] for entry in entries}


def log_and_counters(app, code):
    """The scan log's rows for a ticket, and the ticket's and show's admission state."""
    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket

    with app.app_context():
        ticket = db.session.query(Ticket).filter_by(code=code).one()
        rows = db.session.query(Scan).filter_by(ticket_id=ticket.id).order_by(Scan.id).all()
        show = db.session.get(Show, ticket.show_id)
        return (
            [(row.gate, row.result, row.offline, row.conflict_with_scan_id, row.id) for row in rows],
            ticket.admitted_gate,
            ticket.admitted_at,
            show.inside_count,
        )


# --- the ticket list ------------------------------------------------------------------------------


def test_the_full_list_holds_codes_and_states_but_no_names_by_default(app, client, gate):
    from checkin.extensions import db
    from checkin.models import Show

    codes = gate["codes"]
    body = gate_list(client, gate)
    assert body["full"] is True and body["show"]["names"] is False
    assert body["show"]["slug"] == "gala" and body["keys"][0]["alg"] == "Ed25519"
    assert body["show"]["doors_open_at"].endswith("Z") and body["show"]["admits_until"].endswith("Z")
    entries = by_code(body["tickets"])
    assert entries == {**{code: ["i"] for code in codes}, gate["other"][0]: ["x"]}
    assert "Nguyễn" not in str(body)

    with app.app_context():
        db.session.query(Show).filter_by(slug="gala").update({"offline_names": True})
        db.session.commit()
    named = by_code(gate_list(client, gate)["tickets"])
    assert named[codes[0]] == ["i", "Nguyễn Văn 0"]
    assert named[gate["other"][0]] == ["x"]  # another show's attendee stays a bare code


def test_an_incremental_update_carries_only_what_changed(app, client, gate, monkeypatch):
    from checkin import offline

    codes = gate["codes"]
    first = gate_list(client, gate)
    # Without the overlap (meant for transactions still committing), nothing older is resent.
    monkeypatch.setattr(offline, "SYNC_OVERLAP", timedelta(0))
    assert gate_list(client, gate, since=first["cursor"])["tickets"] == []

    client.post(
        "/api/v1/scans",
        headers=gate["auth"],
        json={
            "payload": payload(app, codes[0]),
            "show": "gala",
            "gate": "Cổng B",
            "client_scan_id": scan_id(),
        },
    )
    cancel(app, codes[1])
    new = issue(app, "gala", 1, start=20)[0]
    update = gate_list(client, gate, since=first["cursor"])
    assert update["full"] is False
    changed = by_code(update["tickets"])
    assert set(changed) == {codes[0], codes[1], new}
    assert changed[codes[0]][0] == "a" and changed[codes[0]][-1] == "Cổng B"
    assert changed[codes[1]] == ["c"] and changed[new] == ["i"]


def test_a_cursor_that_is_not_ours_gets_the_full_list(client, gate):
    assert gate_list(client, gate, since="v1.99999999999999999")["full"] is True
    assert gate_list(client, gate, since="garbage")["full"] is True


def test_the_list_is_for_staff_only(app, client, gate):
    assert client.get("/api/v1/shows/gala/gate-list").status_code == 401
    assert client.get("/api/v1/shows/nope/gate-list", headers=gate["auth"]).status_code == 404
    login(client, "vol", "correct horse battery")
    assert client.get("/api/v1/shows/gala/gate-list").status_code == 200


# --- late uploads ---------------------------------------------------------------------------------


def test_offline_scans_are_recorded_once_however_often_they_are_sent(app, client, gate):
    codes = gate["codes"]
    scans = [
        offline_scan(app, codes[0], minutes_ago=5),
        offline_scan(app, codes[0], minutes_ago=4, local="already_inside"),
        offline_scan(app, codes[1], minutes_ago=3),
    ]
    forged = payload(app, codes[2])
    scans.append(
        offline_scan(app, forged[:-2] + ("A" if forged[-2] != "A" else "B") + forged[-1], local="invalid")
    )
    first = upload(client, gate, *scans)
    again = upload(client, gate, *reversed(scans))
    assert [r["result"] for r in first] == ["admitted", "already_inside", "admitted", "invalid"]
    assert {r["client_scan_id"]: r["result"] for r in again} == {
        r["client_scan_id"]: r["result"] for r in first
    }

    rows, admitted_gate, admitted_at, inside = log_and_counters(app, codes[0])
    assert [(g, r, o) for g, r, o, _, _ in rows] == [
        ("Cổng A", "admitted", True),
        ("Cổng A", "already_inside", True),
    ]
    # The admission happened when the phone scanned, not when it uploaded.
    assert abs((admitted_at - (utcnow() - timedelta(minutes=5))).total_seconds()) < 30
    assert inside == 2


def test_a_refusal_on_the_phone_changes_nothing_even_if_the_server_would_admit(app, client, gate):
    """The person was turned away at the gate; the server must not count them inside."""
    code = gate["codes"][0]
    [answer] = upload(client, gate, offline_scan(app, code, local="cancelled"))
    assert answer["result"] == "cancelled"
    rows, admitted_gate, admitted_at, inside = log_and_counters(app, code)
    assert admitted_at is None and inside == 0 and rows[0][1:3] == ("cancelled", True)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_the_earliest_admission_stands_in_any_order_of_upload(app, client, gate, order):
    """Three gates admitted one ticket offline at 10, 20 and 30 minutes ago."""
    from checkin import stats
    from checkin.extensions import db
    from checkin.models import Show

    code = gate["codes"][0]
    scans = [
        offline_scan(app, code, gate=f"Cổng {name}", minutes_ago=minutes)
        for name, minutes in (("A", 30), ("B", 20), ("C", 10))
    ]
    for index in order:
        upload(client, gate, scans[index])

    rows, admitted_gate, admitted_at, inside = log_and_counters(app, code)
    standing = {gate_: (result, conflict_with, row_id) for gate_, result, _, conflict_with, row_id in rows}
    assert admitted_gate == "Cổng A" and inside == 1
    assert standing["Cổng A"][0] == "admitted" and standing["Cổng A"][1] is None
    for other in ("Cổng B", "Cổng C"):
        assert standing[other][0] == "conflict" and standing[other][1] == standing["Cổng A"][2]
    with app.app_context():
        numbers = stats.show_stats(db.session, db.session.query(Show).filter_by(slug="gala").one(), utcnow())
    assert numbers.admitted == 1 and numbers.inside == 1
    assert numbers.gates["Cổng A"].admitted == 1
    assert numbers.gates["Cổng B"].admitted == numbers.gates["Cổng C"].admitted == 0


def test_an_online_admission_gives_way_to_an_earlier_offline_one(app, client, gate):
    code = gate["codes"][0]
    online = client.post(
        "/api/v1/scans",
        headers=gate["auth"],
        json={"payload": payload(app, code), "show": "gala", "gate": "Cổng B", "client_scan_id": scan_id()},
    ).json
    assert online["result"] == "admitted"
    [late] = upload(client, gate, offline_scan(app, code, gate="Cổng A", minutes_ago=3))
    assert late["result"] == "admitted"
    rows, admitted_gate, _, inside = log_and_counters(app, code)
    assert admitted_gate == "Cổng A" and inside == 1
    assert [(g, r) for g, r, *_ in rows] == [("Cổng B", "conflict"), ("Cổng A", "admitted")]

    # The later of two offline admissions is the conflict, with the standing one's gate and time.
    [later] = upload(client, gate, offline_scan(app, code, gate="Cổng C", minutes_ago=1))
    assert later["result"] == "conflict" and later["conflict"] == "already_admitted"
    assert later["first_gate"] == "Cổng A" and later["tone"] == "amber"
    assert "Cổng A" in later["message"]


def test_an_offline_admission_the_server_cannot_honour_is_a_conflict_and_changes_nothing(app, client, gate):
    codes = gate["codes"]
    cancel(app, codes[3])
    answers = upload(
        client,
        gate,
        offline_scan(app, codes[3]),
        offline_scan(app, gate["other"][0]),
        offline_scan(app, "K1:AAAAA:" + codes[0] + ":" + "A" * 103),
    )
    assert [(a["result"], a.get("conflict")) for a in answers] == [
        ("conflict", "cancelled"),
        ("conflict", "wrong_show"),
        ("conflict", "invalid"),
    ]
    assert log_and_counters(app, codes[3])[3] == 0


def test_a_full_venue_turns_a_late_admission_into_a_conflict_without_passing_capacity(app, client, gate):
    codes = gate["codes"]  # capacity 3, four tickets
    answers = upload(
        client, gate, *[offline_scan(app, code, minutes_ago=10 - i) for i, code in enumerate(codes)]
    )
    assert [a["result"] for a in answers] == ["admitted"] * 3 + ["conflict"]
    assert answers[3]["conflict"] == "venue_full"
    assert log_and_counters(app, codes[0])[3] == 3


def test_a_batch_answers_each_item_and_keeps_bad_ones_from_holding_the_rest(app, client, gate):
    good = offline_scan(app, gate["codes"][0])
    answers = upload(
        client,
        gate,
        {"payload": "x"},
        good,
        "nope",
        {**offline_scan(app, gate["codes"][1]), "local_result": "teleported"},
    )
    assert answers[0]["error"]["code"] == "invalid" and "client_scan_id" in answers[0]["error"]["fields"]
    assert answers[1]["result"] == "admitted"
    assert answers[2]["error"]["code"] == "invalid"
    assert answers[3]["error"]["field_codes"] == {"local_result": "invalid_choice"}
    for body in ({}, {"scans": []}, {"scans": "x"}, {"scans": [good] * 201}):
        response = client.post("/api/v1/scans/batch", json=body, headers=gate["auth"])
        assert response.status_code == 422 and response.json["error"]["code"] == "invalid"
    assert client.post("/api/v1/scans/batch", json={"scans": [good]}).status_code == 401


def test_an_implausible_device_clock_is_not_trusted_for_the_admission_time(app, client, gate):
    code = gate["codes"][0]
    upload(client, gate, offline_scan(app, code, minutes_ago=60 * 24 * 30))
    _, _, admitted_at, _ = log_and_counters(app, code)
    assert abs((admitted_at - utcnow()).total_seconds()) < 30
