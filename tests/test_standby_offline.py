"""Standby passes at an offline gate, the server's side: the gate list carries the show's passes
and the number called at download time, and a phone's late upload of a pass's scans admits it
exactly once (a second phone's admission is a conflict, a full venue too), as for tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkin.database import utcnow
from tests.support.gate import add_volunteer, api_token, choose_gate, issue, open_show, payload, scan_id
from tests.support.standby_line import gate_scan, join_many


@pytest.fixture
def line(app):
    """gala: capacity 3 with one place kept, three standby passes of which two are called."""
    from checkin import standby

    now = utcnow()
    open_show(app, "gala", capacity=3)
    open_show(app, "minishow")
    passes = join_many(app, "gala", 3, now=now)
    other = join_many(app, "minishow", 1, start=10, now=now)
    with app.app_context():
        standby.configure("gala", now=now, starts_at=now, below_expected=None, kept_places=1)
        assert standby.call("gala", now=now) == 2
    add_volunteer(app, "vol")
    choose_gate(app, "vol", "gala", "Cổng A")
    return {"passes": passes, "other": other, "auth": {"Authorization": f"Bearer {api_token(app, 'vol')}"}}


def signed(app, code):
    from checkin import standby_gate

    with app.app_context():
        return standby_gate.sign_pass(code, app.extensions["checkin_keyring"])


def offline_scan(app, code, *, local="admitted", minutes_ago=5, direction="in", gate="Cổng A"):
    return {
        "payload": signed(app, code),
        "show": "gala",
        "gate": gate,
        "direction": direction,
        "client_scan_id": scan_id(),
        "local_result": local,
        "scanned_at": (utcnow() - timedelta(minutes=minutes_ago)).isoformat() + "Z",
    }


def upload(client, line, *scans):
    response = client.post("/api/v1/scans/batch", json={"scans": list(scans)}, headers=line["auth"])
    assert response.status_code == 200, response.json
    return response.json["results"]


def state(app, code):
    from checkin.extensions import db
    from checkin.models import Scan, Show, StandbyPass

    with app.app_context():
        found = db.session.query(StandbyPass).filter_by(code=code).one()
        rows = (
            db.session.query(Scan.result, Scan.offline, Scan.gate)
            .filter(Scan.response["ticket"]["code"].as_string() == code)
            .order_by(Scan.id)
            .all()
        )
        inside = db.session.get(Show, found.show_id).inside_count
        result = (found.admitted_at, found.admitted_gate, found.inside, inside, [tuple(r) for r in rows])
        db.session.remove()
        return result


def test_the_gate_list_carries_the_passes_and_the_number_called(app, client, line):
    from checkin.extensions import db
    from checkin.models import Show

    body = client.get("/api/v1/shows/gala/gate-list", headers=line["auth"]).json
    passes = line["passes"]
    assert body["standby"]["called_up_to"] == 2
    assert body["standby"]["passes"] == [
        [passes[0].code, 1, "i"],
        [passes[1].code, 2, "i"],
        [passes[2].code, 3, "i"],
        [line["other"][0].code, 0, "x"],
    ]
    assert "Trần" not in str(body)

    gate_scan(app, passes[0].code, slug="gala")
    with app.app_context():
        db.session.query(Show).filter_by(slug="gala").update({"offline_names": True})
        db.session.commit()
    again = client.get("/api/v1/shows/gala/gate-list?since=v1.1", headers=line["auth"]).json
    first = again["standby"]["passes"][0]
    assert first[:4] == [passes[0].code, 1, "a", "Trần Thị 0"] and first[5] == "A"


def test_an_offline_admission_of_a_pass_is_recorded_once_and_a_second_phone_s_is_a_conflict(
    app, client, line
):
    code = line["passes"][0].code
    first = offline_scan(app, code, minutes_ago=5)
    [answer] = upload(client, line, first)
    assert answer["result"] == "admitted" and answer["standby"]["number"] == 1
    assert "Số chờ 1" in answer["message"]
    # The same upload again (a batch cut off half-way): the same answer, nothing more.
    [again] = upload(client, line, first)
    assert again["result"] == "admitted"
    # Another phone let the same pass in, offline too.
    [other] = upload(client, line, offline_scan(app, code, minutes_ago=3, gate="Cổng B"))
    assert other["result"] == "conflict" and other["conflict"] == "already_admitted"
    assert other["first_gate"] == "Cổng A" and other["tone"] == "amber"

    admitted_at, gate, inside_flag, inside, rows = state(app, code)
    assert gate == "Cổng A" and inside_flag and inside == 1
    assert abs((admitted_at - (utcnow() - timedelta(minutes=5))).total_seconds()) < 30
    assert rows == [("admitted", True, "Cổng A"), ("conflict", True, "Cổng B")]

    # Out and in again offline, in the order the phone made them.
    answers = upload(
        client,
        line,
        offline_scan(app, code, local="exited", direction="out", minutes_ago=2),
        offline_scan(app, code, local="already_inside", minutes_ago=1),
    )
    assert [a["result"] for a in answers] == ["exited", "already_inside"]
    assert state(app, code)[3] == 0


def test_a_refusal_on_the_phone_changes_nothing(app, client, line):
    code = line["passes"][2].code  # number 3, not called at the download
    [answer] = upload(client, line, offline_scan(app, code, local="not_open"))
    assert answer["result"] == "not_open"
    admitted_at, _, _, inside, rows = state(app, code)
    assert admitted_at is None and inside == 0 and rows == [("not_open", True, "Cổng A")]


def test_a_full_venue_turns_a_late_admission_of_a_pass_into_a_conflict(app, client, line):
    codes = issue(app, "gala", 2)
    for code in codes:  # capacity 3, one kept: the two ticket holders fill what standby may take
        client.post(
            "/api/v1/scans",
            headers=line["auth"],
            json={
                "payload": payload(app, code),
                "show": "gala",
                "gate": "Cổng A",
                "client_scan_id": scan_id(),
            },
        )
    [answer] = upload(client, line, offline_scan(app, line["passes"][1].code))
    assert answer["result"] == "conflict" and answer["conflict"] == "venue_full"
    admitted_at, _, _, inside, _ = state(app, line["passes"][1].code)
    assert admitted_at is None and inside == 2
