"""Invariants 2 and 3 under real races: threads and "spawn" processes, SQLite file and PostgreSQL."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from tests.support.gate import issue, open_show, payload
from tests.support.racing import in_app, release_together
from tests.support.scan_workers import race

pytestmark = pytest.mark.slow
TICKETS = 30
GATES = ("Cổng A", "Cổng B")


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_two_gates_scanning_the_same_ticket_at_once_admit_it_once(app, app_config, kind):
    from checkin.extensions import db
    from checkin.models import Show, Ticket
    from checkin.shows import to_local

    open_show(app, capacity=1000)
    codes = issue(app, "gate", TICKETS)
    texts = [payload(app, code) for code in codes]
    answers = race(app, app_config, kind, {gate: texts for gate in GATES})

    by_code: dict[str, list] = {}
    for gate, result, response, _ in answers:
        by_code.setdefault(response["ticket"]["code"], []).append((gate, result, response))
    with app.app_context():
        tickets = {t.code: t for t in db.session.scalars(select(Ticket))}
        for code in codes:
            results = sorted(by_code[code], key=lambda a: a[1])
            assert [r for _, r, _ in results] == ["admitted", "already_inside"], code
            (winner, _, _), (_, _, refused) = results
            assert tickets[code].admitted_gate == winner
            assert refused["first_gate"] == winner
            assert refused["first_admitted_at"] == to_local(tickets[code].admitted_at).strftime("%H:%M")
        assert db.session.scalar(select(Show.inside_count)) == TICKETS


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_capacity_holds_when_twice_as_many_race_in_and_refused_tickets_stay_usable(app, app_config, kind):
    from checkin.extensions import db
    from checkin.models import Show, Ticket

    open_show(app, capacity=20, quota=100)
    codes = issue(app, "gate", 40)
    texts = [payload(app, code) for code in codes]
    shares = {f"Cổng {i}": texts[i::4] for i in range(4)}
    answers = race(app, app_config, kind, shares)

    counted = Counter(a[1] for a in answers)
    assert counted == {"admitted": 20, "venue_full": 20}
    admitted = [a[2]["ticket"]["code"] for a in answers if a[1] == "admitted"]
    refused = [a[2]["ticket"]["code"] for a in answers if a[1] == "venue_full"]
    with app.app_context():
        assert db.session.scalar(select(Show.inside_count)) == 20
        states = dict(db.session.execute(select(Ticket.code, Ticket.admitted_at)).all())
        assert all(states[code] is None for code in refused)

    # Six leave (from two gates at once), and exactly six of those refused get in.
    leaving = {gate: [payload(app, c) for c in admitted[i:6:2]] for i, gate in enumerate(GATES)}
    exits = race(app, app_config, kind, leaving, direction="out")
    assert Counter(a[1] for a in exits) == {"exited": 6}
    retry = {f"Cổng {i}": [payload(app, c) for c in refused[i::4]] for i in range(4)}
    second = Counter(a[1] for a in race(app, app_config, kind, retry))
    assert second == {"admitted": 6, "venue_full": 14}
    with app.app_context():
        assert db.session.scalar(select(Show.inside_count)) == 20


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_the_same_scan_sent_twice_at_once_is_recorded_once(app, app_config, kind):
    """A phone that resends a scan still in flight: the unique client id settles the race."""
    from checkin.extensions import db
    from checkin.models import Scan, Show

    open_show(app, capacity=1000)
    codes = issue(app, "gate", 20)
    texts = [payload(app, code) for code in codes]
    ids = [f"phone-1:{i}" for i in range(len(texts))]
    answers = race(app, app_config, kind, {gate: texts for gate in GATES}, client_ids=ids)

    by_id: dict[str, list] = {}
    for _, result, response, scan_id in answers:
        by_id.setdefault(response["ticket"]["code"], []).append((result, response, scan_id))
    for code in codes:
        (r1, a1, s1), (r2, a2, s2) = by_id[code]
        assert r1 == r2 == "admitted" and a1 == a2 and s1 == s2
    with app.app_context():
        assert db.session.query(Scan).count() == 20
        assert db.session.scalar(select(Show.inside_count)) == 20


def test_a_crowd_of_scanners_at_once_admits_each_ticket_once_within_capacity(app):
    """Many threads of one process at once (on SQLite they share commits, database.group_write):
    each ticket scanned four times, two of them one phone's resent scan; fewer places than tickets."""
    from checkin import admission
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket

    open_show(app, capacity=8)
    codes = issue(app, "gate", 10)
    scans = [
        (payload(app, code), f"{code}:{n // 2}" if n < 2 else f"{code}:gate-{n}")
        for code in codes
        for n in range(4)
    ]

    def scanner(i: int):
        text, client_scan_id = scans[i]
        return admission.scan(
            text,
            keyring=app.extensions["checkin_keyring"],
            staff=None,
            gate=GATES[i % 2],
            direction="in",
            client_scan_id=client_scan_id,
            scanned_at=None,
            show_slug="gate",
            now=utcnow(),
        )

    answers = release_together(in_app(app, scanner), len(scans))
    admitted_rows = {a.scan_id for a in answers if a.result == "admitted"}
    assert len(admitted_rows) == 8
    for i in range(0, len(scans), 4):  # the resent scan has the first one's answer and row
        assert answers[i].scan_id == answers[i + 1].scan_id and answers[i].response == answers[i + 1].response
    with app.app_context():
        assert db.session.scalar(select(Show.inside_count)) == 8
        assert db.session.query(Scan).count() == len({a.scan_id for a in answers}) == 30
        assert db.session.query(Ticket).filter(Ticket.admitted_at.is_not(None)).count() == 8
        assert db.session.query(Ticket).filter(Ticket.inside.is_(True)).count() == 8
        logged = Counter(db.session.scalars(select(Scan.result)))
    assert logged["admitted"] == 8 and set(logged) <= {"admitted", "already_inside", "venue_full"}
