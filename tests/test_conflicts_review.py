"""Conflicts of the offline gate, as the organiser sees them: the count on the dashboard and in
the stats API, and the review page with both gates and times. The scan rows are written
straight through the ORM, as checkin/offline.py leaves them, so these tests do not depend on
how the server decides a conflict."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import count

from sqlalchemy import select

from tests.support.factories import make_show, person
from tests.support.organiser import add_account, admit, open_doors, organiser_client, sign_in

_ids = count(1)


def _register(app, slug, i, now) -> str:
    from checkin.registration import register

    with app.app_context():
        return register(slug, person(i), now=now).code


def _scan(
    app,
    slug,
    code,
    gate,
    result,
    *,
    scanned_at,
    recorded_at=None,
    offline=True,
    reason=None,
    conflict_with=None,
    staff=None,
    undone_by=None,
) -> int:
    """A scan row as the server stores it; returns its id."""
    from checkin.database import transaction
    from checkin.models import Scan, Show, Staff, Ticket

    with app.app_context(), transaction() as session:
        show_id = session.scalar(select(Show.id).where(Show.slug == slug))
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.code == code)) if code else None
        staff_id = session.scalar(select(Staff.id).where(Staff.name == staff)) if staff else None
        response = {"result": result, "ok": result == "admitted"}
        if reason:
            response["conflict"] = reason
        row = Scan(
            client_scan_id=f"conflict-test-{next(_ids)}",
            staff_id=staff_id,
            ticket_id=ticket_id,
            show_id=show_id,
            gate=gate,
            direction="in",
            result=result,
            method="qr",
            scanned_at=scanned_at,
            recorded_at=recorded_at or scanned_at,
            response=response,
            offline=offline,
            conflict_with_scan_id=conflict_with,
            undone_by_scan_id=undone_by,
        )
        session.add(row)
        session.flush()
        return row.id


def _admission_id(app, code) -> int:
    from checkin.extensions import db
    from checkin.models import Scan, Ticket

    with app.app_context():
        return db.session.scalar(
            select(Scan.id)
            .join(Ticket, Ticket.id == Scan.ticket_id)
            .where(Ticket.code == code, Scan.result == "admitted")
        )


def _direct_conflicts(app, slug) -> tuple[int, dict[str, int]]:
    """The conflicts counted row by row in Python: (for the show, per gate)."""
    from checkin.extensions import db
    from checkin.models import Scan, Show

    with app.app_context():
        show_id = db.session.scalar(select(Show.id).where(Show.slug == slug))
        rows = [
            s
            for s in db.session.scalars(select(Scan).where(Scan.show_id == show_id))
            if s.result == "conflict" and s.undone_by_scan_id is None
        ]
    gates: dict[str, int] = {}
    for row in rows:
        gates[row.gate] = gates.get(row.gate, 0) + 1
    return len(rows), gates


def _token(app, now):
    from checkin.staff import issue_token

    add_account(app, "stats-org", "organiser", now)
    with app.app_context():
        return issue_token("stats-org", now=now)


def _stats(app, token, slug="live"):
    response = app.test_client().get(
        f"/api/v1/shows/{slug}/stats", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _world(app, now):
    """Show 'live' with doors open: one ticket admitted at Cổng A and again, offline, at Cổng B
    (a conflict); one offline admission of a ticket cancelled meanwhile; an undone conflict and
    another show's conflict, which count nowhere here."""
    from checkin.database import transaction
    from checkin.models import Scan, Staff

    make_show(app, "live", quota=10, capacity=10)
    make_show(app, "other", quota=10, capacity=10)
    add_account(app, "lan", "volunteer", now)
    add_account(app, "minh", "volunteer", now)
    codes = [_register(app, "live", i, now) for i in range(3)]
    other = _register(app, "other", 9, now)
    open_doors(app, "live", now)
    first = now - timedelta(minutes=20)
    late = now - timedelta(minutes=12)
    assert admit(app, codes[0], "Cổng A", first).result == "admitted"
    standing = _admission_id(app, codes[0])
    with app.app_context(), transaction() as session:  # the admission's volunteer, for the review page
        session.get(Scan, standing).staff_id = session.scalar(select(Staff.id).where(Staff.name == "lan"))
    conflict = _scan(
        app,
        "live",
        codes[0],
        "Cổng B",
        "conflict",
        scanned_at=late,
        recorded_at=now,
        reason="already_admitted",
        conflict_with=standing,
        staff="minh",
    )
    cancelled = _scan(
        app,
        "live",
        codes[1],
        "Cổng C",
        "conflict",
        scanned_at=late + timedelta(minutes=1),
        recorded_at=now,
        reason="cancelled",
        staff="minh",
    )
    undo = _scan(app, "live", codes[2], "Cổng C", "undone", scanned_at=late, offline=False)
    _scan(app, "live", codes[2], "Cổng C", "conflict", scanned_at=late, reason="venue_full", undone_by=undo)
    _scan(app, "other", other, "Cổng B", "conflict", scanned_at=late, reason="already_admitted")
    return {
        "codes": codes,
        "first": first,
        "late": late,
        "standing": standing,
        "conflict": conflict,
        "cancelled": cancelled,
    }


def test_conflicts_in_the_stats_match_a_direct_count(app, now):
    from checkin.extensions import db
    from checkin.models import Show
    from checkin.stats import show_stats

    _world(app, now)
    stats = _stats(app, _token(app, now))
    total, per_gate = _direct_conflicts(app, "live")
    assert stats["conflicts"] == total == 2
    assert {
        label: gate["conflicts"] for label, gate in stats["gates"].items() if gate["conflicts"]
    } == per_gate
    assert per_gate == {"Cổng B": 1, "Cổng C": 1}
    # A conflict is neither an admission nor a refusal at its gate.
    assert stats["gates"]["Cổng B"]["admitted"] == 0 and stats["gates"]["Cổng B"]["refused"] == 0
    assert stats["gates"]["Cổng A"]["admitted"] == 1 and stats["admitted"] == 1
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "other"))
        assert show_stats(db.session, show, now).conflicts == _direct_conflicts(app, "other")[0] == 1


def test_an_admission_relabelled_as_a_conflict_leaves_its_gate_admitted_count(app, now):
    """An earlier offline admission arriving late makes the standing one a conflict: the gate
    that had counted it admitted counts it as a conflict instead."""
    from checkin.database import transaction
    from checkin.models import Scan

    world = _world(app, now)
    token = _token(app, now)
    before = _stats(app, token)
    earlier = _scan(
        app,
        "live",
        world["codes"][0],
        "Cổng C",
        "admitted",
        scanned_at=world["first"] - timedelta(minutes=5),
        recorded_at=now,
    )
    with app.app_context(), transaction() as session:
        session.get(Scan, world["standing"]).result = "conflict"
        session.get(Scan, world["standing"]).conflict_with_scan_id = earlier
        session.get(Scan, world["conflict"]).conflict_with_scan_id = earlier
    after = _stats(app, token)
    assert after["conflicts"] == before["conflicts"] + 1 == _direct_conflicts(app, "live")[0]
    assert after["gates"]["Cổng A"]["admitted"] == 0 and after["gates"]["Cổng A"]["conflicts"] == 1
    assert after["gates"]["Cổng C"]["admitted"] == 1
    assert sum(gate["admitted"] for gate in after["gates"].values()) == 1


def test_the_review_page_lists_both_gates_and_times(app, now):
    from checkin.shows import to_local

    world = _world(app, now)
    org = organiser_client(app, now)
    response = org.get("/organiser/shows/live/conflicts")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = re.findall(r"<tr>.*?</tr>", html.split('id="conflicts"')[1], re.S)[1:]  # [0] is the header
    assert len(rows) == 2  # not the undone one, not the other show's
    newest, older = rows
    assert world["codes"][1] in newest and "Vé đã bị hủy" in newest  # cancelled, newest scan time first
    assert world["codes"][0] in older and "Nguyễn Văn 0" in older
    assert "Đã vào ở cổng khác" in older  # the reason, translated
    assert older.index("Cổng B") < older.index("Cổng A")  # this scan, then the admission that stands
    assert to_local(world["late"]).strftime("%d/%m %H:%M:%S") in older
    assert to_local(world["first"]).strftime("%d/%m %H:%M:%S") in older
    assert "minh" in older and "lan" in older
    assert "mất mạng" in older  # the conflict was decided offline
    assert "2 xung đột" in html
    english = org.get("/organiser/shows/live/conflicts?lang=en").get_data(as_text=True)
    assert "Already admitted at another gate" in english and "Ticket was cancelled" in english
    assert " style=" not in html  # the CSP forbids inline styles
    assert org.get("/organiser/shows/nope/conflicts").status_code == 404


def test_the_review_page_is_paginated(app, now):
    make_show(app, "live")
    start = now - timedelta(hours=1)
    for i in range(101):
        _scan(
            app, "live", None, "Cổng A", "conflict", scanned_at=start + timedelta(seconds=i), reason="unknown"
        )
    org = organiser_client(app, now)
    first = org.get("/organiser/shows/live/conflicts").get_data(as_text=True)
    assert (
        first.count("Vé không có trong hệ thống") == 100
        and 'rel="next"' in first
        and 'rel="prev"' not in first
    )
    second = org.get("/organiser/shows/live/conflicts?page=2").get_data(as_text=True)
    assert (
        second.count("Vé không có trong hệ thống") == 1
        and 'rel="prev"' in second
        and 'rel="next"' not in second
    )
    for page in ("abc", "-4", "0", "9" * 30):
        assert org.get(f"/organiser/shows/live/conflicts?page={page}").status_code == 200, page


def test_the_conflicts_csv_has_both_admissions(app, now):
    from checkin.shows import to_local

    world = _world(app, now)
    org = organiser_client(app, now)
    response = org.get("/organiser/shows/live/conflicts.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,ticket_code,name,reason,gate,scanned_at")
    row = next(line for line in lines if world["codes"][0] in line)
    assert "already_admitted" in row and "Cổng B" in row and "Cổng A" in row
    assert to_local(world["first"]).strftime("%Y-%m-%d %H:%M:%S") in row
    assert len(lines) == 3


def test_dashboard_shows_the_conflicts_card(app, now):
    make_show(app, "calm")
    org = organiser_client(app, now)
    calm = org.get("/organiser/?show=calm").get_data(as_text=True)
    assert 'data-stat="conflicts">0<' in calm
    assert 'href="/organiser/shows/calm/conflicts"' in calm
    assert "stat-warn" not in calm
    _world(app, now)
    busy = org.get("/organiser/?show=live").get_data(as_text=True)
    assert 'data-stat="conflicts">2<' in busy and "stat-warn" in busy
    assert "Xung đột cần xem lại" in busy


def test_only_organisers_see_conflicts(app, now):
    make_show(app, "live")
    pages = ["/organiser/shows/live/conflicts", "/organiser/shows/live/conflicts.csv"]
    anonymous = app.test_client()
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    volunteer = app.test_client()
    sign_in(volunteer, "helper", add_account(app, "helper", "volunteer", now))
    for url in pages:
        assert volunteer.get(url).status_code == 403, url


def test_late_uploads_in_any_order_end_in_the_same_review(app, now):
    """Through the server's own conflict resolution (POST /api/v1/scans/batch): three gates
    admitted one ticket offline; whatever the order of upload, the dashboard counts two
    conflicts and the page shows both beside the earliest admission."""
    from checkin.database import utcnow
    from tests.support.gate import add_volunteer, api_token, issue, open_show, payload, scan_id

    open_show(app, "gala")
    [code] = issue(app, "gala", 1)
    add_volunteer(app, "vol")
    auth = {"Authorization": f"Bearer {api_token(app, 'vol')}"}
    client = app.test_client()
    scans = [
        {
            "payload": payload(app, code),
            "show": "gala",
            "gate": f"Cổng {name}",
            "direction": "in",
            "client_scan_id": scan_id(),
            "local_result": "admitted",
            "scanned_at": (utcnow() - timedelta(minutes=minutes)).isoformat() + "Z",
        }
        for name, minutes in (("A", 30), ("B", 20), ("C", 10))
    ]
    for index in (2, 0, 1):  # the standing admission arrives neither first nor last
        response = client.post("/api/v1/scans/batch", json={"scans": [scans[index]]}, headers=auth)
        assert response.status_code == 200, response.json
    stats = _stats(app, _token(app, now), slug="gala")
    assert stats["conflicts"] == _direct_conflicts(app, "gala")[0] == 2
    assert stats["admitted"] == stats["inside"] == 1
    html = organiser_client(app, now).get("/organiser/shows/gala/conflicts").get_data(as_text=True)
    rows = re.findall(r"<tr>.*?</tr>", html.split('id="conflicts"')[1], re.S)[1:]
    assert [
        row.index("Cổng A") > row.index(gate) for row, gate in zip(rows, ("Cổng C", "Cổng B"), strict=False)
    ] == [
        True,
        True,
    ]
    # The displaced admission (Cổng C, the first to arrive) keeps its first answer as its stored
    # response; the page still gives its reason.
    assert all("Đã vào ở cổng khác" in row for row in rows)
