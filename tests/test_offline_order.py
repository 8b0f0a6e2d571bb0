"""Offline history is decided in device-time order, whatever order the phones upload in.

Each case is a few phones' queues of in/out scans of one ticket, made offline at known device
times; every permutation of the uploads (by phone, and by single scan) must end with the same
ticket state, the same counters and the same result for every scan (conflicts included).
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from itertools import permutations

import pytest
from sqlalchemy import select

from tests.support.gate import issue, open_show, payload

# (phone, direction, minutes before now)
ISSUE_CASE = [("p1", "in", 30), ("p1", "out", 10), ("p2", "in", 20)]
THREE_PHONES = [
    ("p1", "in", 50),
    ("p1", "out", 40),
    ("p2", "in", 30),
    ("p2", "out", 20),
    ("p3", "in", 25),
    ("p3", "in", 10),
]


def _upload_all(app, slug, code, scans, order, now):
    """Uploads the scans (indices into `scans`) in `order`, each arrival a second after the last."""
    from checkin import admission

    keyring = app.extensions["checkin_keyring"]
    text = payload(app, code)
    with app.app_context():
        for step, index in enumerate(order):
            phone, direction, minutes = scans[index]
            admission.scan(
                text,
                keyring=keyring,
                staff=None,
                gate=f"Cổng {phone}",
                direction=direction,
                client_scan_id=f"{slug}-{index}",
                scanned_at=now - timedelta(minutes=minutes),
                show_slug=slug,
                now=now + timedelta(seconds=step),
                local_result="admitted" if direction == "in" else "exited",
            )


def _outcome(app, slug, code):
    """What must not depend on the order: the ticket, the show's counters, each scan's result."""
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket
    from checkin.stats import show_stats

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.code == code))
        show = db.session.scalar(select(Show).where(Show.slug == slug))
        rows = db.session.scalars(select(Scan).where(Scan.ticket_id == ticket.id)).all()
        by_id = {row.id: row.client_scan_id.split("-")[-1] for row in rows}
        stats = show_stats(db.session, show, utcnow())
        return {
            "ticket": (ticket.admitted_at, ticket.admitted_gate, ticket.inside),
            "inside_count": show.inside_count,
            "stats": (
                stats.admitted,
                stats.inside,
                stats.conflicts,
                {label: (g.admitted, g.reentered, g.exited, g.conflicts) for label, g in stats.gates.items()},
            ),
            "scans": sorted(
                (row.client_scan_id.split("-")[-1], row.result, by_id.get(row.conflict_with_scan_id))
                for row in rows
            ),
        }


def _run(app, now, scans, orders):
    outcomes = []
    for number, order in enumerate(orders):
        slug = f"order-{number}"
        open_show(
            app, slug, capacity=100, now=now, reentry_allowed=True, doors_open_at=now - timedelta(hours=2)
        )
        [code] = issue(app, slug, 1, start=number)
        _upload_all(app, slug, code, scans, order, now)
        outcomes.append(_outcome(app, slug, code))
    return outcomes


def _by_phone(scans):
    """Each phone's queue as one upload (oldest first, as the phone sends it), phones in every order."""
    phones = sorted({phone for phone, _, _ in scans})
    queues = {
        phone: sorted((i for i, scan in enumerate(scans) if scan[0] == phone), key=lambda i: -scans[i][2])
        for phone in phones
    }
    return [[i for phone in order for i in queues[phone]] for order in permutations(phones)]


def test_the_issue_case_ends_outside_in_every_upload_order(app, now):
    """Phone 1 let the person in at t-30 and out at t-10; phone 2 let them in at t-20. Uploaded
    phone 1 first, phone 2's entry used to be a re-entry and the ticket ended inside."""
    outcomes = _run(app, now, ISSUE_CASE, list(permutations(range(len(ISSUE_CASE)))))
    first = outcomes[0]
    assert first["ticket"][1:] == ("Cổng p1", False)
    assert first["ticket"][0] == now - timedelta(minutes=30)
    assert first["inside_count"] == 0
    # Device-time order: in (p1) admitted, in (p2) a double entry, out (p1) exited.
    assert first["scans"] == [("0", "admitted", None), ("1", "exited", None), ("2", "conflict", "0")]
    assert first["stats"][:3] == (1, 0, 1)
    assert all(outcome == first for outcome in outcomes)


@pytest.mark.slow
def test_three_phones_in_and_out_agree_in_every_upload_order(app, now):
    orders = _by_phone(THREE_PHONES)
    outcomes = _run(app, now, THREE_PHONES, orders)
    first = outcomes[0]
    # in -50 admitted, out -40, in -30 re-entry, in -25 double entry, out -20, in -10 re-entry.
    assert first["scans"] == [
        ("0", "admitted", None),
        ("1", "exited", None),
        ("2", "reentered", None),
        ("3", "exited", None),
        ("4", "conflict", "0"),
        ("5", "reentered", None),
    ]
    assert first["ticket"] == (now - timedelta(minutes=50), "Cổng p1", True)
    assert first["inside_count"] == 1
    assert all(outcome == first for outcome in outcomes), [o["scans"] for o in outcomes]


def test_two_phones_scan_by_scan_in_every_order(app, now):
    """Single scans arriving in every order (a batch cut off half-way, phones taking turns)."""
    scans = [("p1", "in", 40), ("p2", "out", 35), ("p2", "in", 30), ("p1", "out", 5)]
    outcomes = _run(app, now, scans, list(permutations(range(len(scans)))))
    first = outcomes[0]
    assert first["scans"] == [
        ("0", "admitted", None),
        ("1", "exited", None),
        ("2", "reentered", None),
        ("3", "exited", None),
    ]
    assert first["ticket"][2] is False and first["inside_count"] == 0
    assert all(outcome == first for outcome in outcomes)
