"""Late uploads racing: several phones that were offline at different gates send their queues at
the same moment, each admitting the same tickets at different device times. Whatever the
interleaving, on SQLite and PostgreSQL, each ticket ends with exactly one standing admission
(the earliest scanned), every other one a conflict pointing to it, and the counters equal the log."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from checkin.database import utcnow
from tests.support.gate import issue, open_show, payload, scan_id
from tests.support.racing import release_together

pytestmark = pytest.mark.slow
PHONES = 6
TICKETS = 8


def test_phones_uploading_conflicting_admissions_at_once_leave_the_earliest_standing(app):
    from checkin import admission
    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket

    open_show(app, capacity=1000)
    codes = issue(app, "gate", TICKETS)
    texts = [payload(app, code) for code in codes]
    now = utcnow()
    # Phone p scanned every ticket (20 + p) minutes ago: phone 5 was first everywhere.
    queues = []
    for phone in range(PHONES):
        scans = [(text, now - timedelta(minutes=20 + phone)) for text in texts]
        random.Random(phone).shuffle(scans)
        queues.append(scans)
    keyring = app.extensions["checkin_keyring"]

    def upload(phone: int) -> list[str]:
        results = []
        with app.app_context():
            for text, scanned_at in queues[phone]:
                results.append(
                    admission.scan(
                        text,
                        keyring=keyring,
                        staff=None,
                        gate=f"Cổng {phone}",
                        direction="in",
                        client_scan_id=scan_id(),
                        scanned_at=scanned_at,
                        show_slug="gate",
                        now=utcnow(),
                        local_result="admitted",
                    ).result
                )
            db.session.remove()
        return results

    answers = release_together(upload, PHONES)
    assert all(answer is not None for answer in answers)

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "gate"))
        assert show.inside_count == TICKETS
        for ticket in db.session.scalars(select(Ticket)):
            rows = db.session.scalars(select(Scan).where(Scan.ticket_id == ticket.id)).all()
            assert len(rows) == PHONES
            standing = [row for row in rows if row.result == "admitted"]
            assert len(standing) == 1, [(row.gate, row.result) for row in rows]
            assert standing[0].gate == ticket.admitted_gate == f"Cổng {PHONES - 1}"
            assert ticket.admitted_at == standing[0].scanned_at and ticket.inside
            conflicts = [row for row in rows if row.result == "conflict"]
            assert len(conflicts) == PHONES - 1
            assert {row.conflict_with_scan_id for row in conflicts} == {standing[0].id}
