"""A school group at a gate without network (issue 19): the gate list carries the show's groups
(pass code, school, class, members' ticket codes), and the phone's queue of members it admitted
by the group's pass is replayed as each member's own offline admission: exactly once per person
whichever phones admitted them and in whatever order the uploads arrive, a double entry kept as
a conflict like any ticket's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from checkin.database import utcnow
from tests.support.gate import add_volunteer, api_token, choose_gate, issue, open_show, payload, scan_id
from tests.support.groups import allow_groups, teacher


def _group(app, *, pupils=3, capacity=100, names=True):
    from checkin.extensions import db
    from checkin.group_models import GroupMember, SchoolGroup
    from checkin.group_pass import sign_pass
    from checkin.group_roster import add_members, attest_paper
    from checkin.group_tickets import issue as issue_group
    from checkin.models import Ticket
    from checkin.school_groups import request_group

    open_show(app, "minishow", capacity=capacity, offline_names=names)
    allow_groups(app, "minishow")
    with app.app_context():
        made = request_group("minishow", teacher(1, pupils=pupils, adults=1), now=utcnow())
        add_members(
            made.token,
            [(i, {"name": f"Nguyễn Văn {chr(65 + i)}", "birth_year": 2014}) for i in range(pupils)],
            [(1, "Cô Lan")],
            now=utcnow(),
        )
        for member_id in db.session.scalars(select(GroupMember.id).where(GroupMember.kind == "pupil")).all():
            attest_paper(made.token, member_id, now=utcnow())
        issue_group(made.token, now=utcnow())
        group = db.session.scalar(select(SchoolGroup))
        members = db.session.execute(
            select(Ticket.code, GroupMember.name)
            .join(GroupMember, GroupMember.ticket_id == Ticket.id)
            .order_by(GroupMember.kind.desc(), GroupMember.position)
        ).all()
        return sign_pass(group.pass_code, app.extensions["checkin_keyring"]), group.pass_code, members


def _auth(app, name):
    add_volunteer(app, name)
    choose_gate(app, name, "minishow", "A")
    return {"Authorization": f"Bearer {api_token(app, name)}"}


def _member_item(group_pass, code, *, minutes_ago=5, gate="A", local="admitted"):
    return {
        "payload": group_pass,
        "member": code,
        "show": "minishow",
        "gate": gate,
        "direction": "in",
        "client_scan_id": scan_id(),
        "local_result": local,
        "scanned_at": (utcnow() - timedelta(minutes=minutes_ago)).isoformat() + "Z",
    }


def _upload(client, auth, items):
    response = client.post("/api/v1/scans/batch", json={"scans": items}, headers=auth)
    assert response.status_code == 200, response.json
    return response.json["results"]


def _admissions(app):
    """(ticket code, result) of every scan row, the tickets admitted, and the show's inside count."""
    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket

    with app.app_context():
        rows = db.session.execute(
            select(Ticket.code, Scan.result).join(Ticket, Ticket.id == Scan.ticket_id).order_by(Scan.id)
        ).all()
        admitted = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.admitted_at.is_not(None)))
        inside = db.session.scalar(select(Show.inside_count).where(Show.slug == "minishow"))
        return [tuple(row) for row in rows], admitted, inside


def test_the_gate_list_carries_the_groups_with_their_members_codes_and_names(app, client):
    group_pass, pass_code, members = _group(app)
    auth = _auth(app, "vol")
    body = client.get("/api/v1/shows/minishow/gate-list", headers=auth).json
    assert body["groups"] == [[pass_code, "Trường THCS Số 1", "7A1", [code for code, _ in members]]]
    names = {entry[0]: entry[2] for entry in body["tickets"]}
    assert {code: names[code] for code, _ in members} == dict(members)  # diacritics and all
    # An incremental download still brings every group (they are few and small).
    again = client.get(f"/api/v1/shows/minishow/gate-list?since={body['cursor']}", headers=auth).json
    assert again["groups"] == body["groups"]


def test_members_admitted_offline_by_the_pass_are_replayed_once_each(app, client):
    group_pass, _, members = _group(app)
    auth = _auth(app, "vol")
    items = [_member_item(group_pass, code) for code, _ in members[:3]]
    answers = _upload(client, auth, items)
    assert [a["result"] for a in answers] == ["admitted"] * 3
    assert [a["client_scan_id"] for a in answers] == [i["client_scan_id"] for i in items]
    # A batch cut off and sent again admits nobody twice and answers as the first time.
    again = _upload(client, auth, items)
    assert [a["result"] for a in again] == ["admitted"] * 3
    rows, admitted, inside = _admissions(app)
    assert admitted == inside == 3 and len(rows) == 3
    # The adult, not ticked, is still outside; online, the group says 3 of 4 are in.
    seen = client.post(
        "/api/v1/group-passes/lookup", json={"payload": group_pass, "show": "minishow"}, headers=auth
    ).json
    assert (seen["expected"], seen["already_in"]) == (4, 3)


def test_a_pupil_admitted_by_the_group_offline_and_alone_on_another_phone_is_admitted_once(app, client):
    group_pass, _, members = _group(app)
    phone_a, phone_b = _auth(app, "vol1"), _auth(app, "vol2")
    pupil = members[0][0]
    # Phone B, online, scans the pupil's own ticket; phone A had let the group in offline earlier.
    alone = client.post(
        "/api/v1/scans",
        json={"payload": payload(app, pupil), "show": "minishow", "gate": "B", "client_scan_id": scan_id()},
        headers=phone_b,
    ).json
    assert alone["result"] == "admitted"
    answers = _upload(
        client, phone_a, [_member_item(group_pass, code, minutes_ago=10) for code, _ in members]
    )
    assert [a["result"] for a in answers] == ["admitted"] * 4
    rows, admitted, inside = _admissions(app)
    assert admitted == inside == 4
    # The earlier (offline) entry stands; the later one on phone B is the conflict to review.
    assert sorted(result for code, result in rows if code == pupil) == ["admitted", "conflict"]
    # And the other way round: phone B uploads its offline admission after the group's.
    [late] = _upload(client, phone_b, [_member_item(group_pass, members[1][0], minutes_ago=1, gate="B")])
    assert late["result"] == "conflict" and late["conflict"] == "already_admitted"
    assert _admissions(app)[1:] == (4, 4)


def test_a_forged_pass_or_a_code_outside_the_group_admits_nobody(app, client):
    group_pass, _, members = _group(app)
    stranger = issue(app, "minishow", 1, start=70)[0]
    auth = _auth(app, "vol")
    forged = group_pass[:-1] + ("B" if group_pass[-1] != "B" else "C")
    answers = _upload(client, auth, [_member_item(forged, members[0][0]), _member_item(group_pass, stranger)])
    assert [(a["result"], a.get("conflict")) for a in answers] == [
        ("conflict", "invalid"),
        ("conflict", "unknown"),
    ]
    assert _admissions(app)[1:] == (0, 0)


def test_offline_group_admissions_stay_within_the_venue_capacity(app, client):
    group_pass, _, members = _group(app, capacity=2)
    auth = _auth(app, "vol")
    answers = _upload(client, auth, [_member_item(group_pass, code) for code, _ in members])
    assert [a["result"] for a in answers] == ["admitted", "admitted", "conflict", "conflict"]
    assert {a.get("conflict") for a in answers[2:]} == {"venue_full"}
    assert _admissions(app)[1:] == (2, 2)
