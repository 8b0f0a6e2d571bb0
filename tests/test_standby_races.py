"""The standby line under a rush (threads; SQLite file and PostgreSQL): numbers 1..N with no gap
and no duplicate; and at the gate, even with every number called (an attack on the call), the
inside count never passes capacity less the kept places, each pass admitted once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select, update

from tests.support.gate import open_show
from tests.support.racing import in_app, release_together
from tests.support.standby_line import gate_scan, join_many

pytestmark = pytest.mark.slow

RUSH = 16


def test_numbers_have_no_gap_and_no_duplicate(app, now):
    from checkin import standby
    from checkin.extensions import db
    from checkin.models import StandbyLine, StandbyPass

    open_show(app, "sb", now=now)
    join_many(app, "sb", 1, start=100, now=now)  # the line exists: the race is for numbers

    def join(i):
        try:
            return standby.join("sb", {"name": f"Phạm {i}", "phone": f"0988{i:06d}"}, now=now).number
        except Exception as error:  # noqa: BLE001 - asserted below
            return f"{type(error).__name__}: {error}"

    numbers = release_together(in_app(app, join), RUSH)
    assert sorted(numbers) == list(range(2, RUSH + 2)), numbers
    with app.app_context():
        stored = sorted(db.session.scalars(select(StandbyPass.number)))
        assert stored == list(range(1, RUSH + 2))
        assert db.session.scalar(select(StandbyLine.last_number)) == RUSH + 1
        db.session.remove()


def test_the_gate_never_lets_standby_into_the_kept_places(app, now):
    from checkin import standby
    from checkin.extensions import db
    from checkin.models import Show, StandbyLine, StandbyPass

    open_show(app, "sb", quota=10, capacity=10, now=now)
    passes = join_many(app, "sb", RUSH, now=now)
    with app.app_context():
        standby.configure("sb", now=now, starts_at=now, below_expected=None, kept_places=2)
        # Every number called at once, more than there is room for: the database must hold.
        db.session.execute(update(StandbyLine).values(called_up_to=RUSH))
        db.session.commit()
    scans = [p.code for p in passes] + [p.code for p in passes[:4]]  # four passes shown twice

    def scan(i):
        try:
            return gate_scan(app, scans[i], slug="sb").result
        except Exception as error:  # noqa: BLE001 - asserted below
            return f"{type(error).__name__}: {error}"

    results = Counter(release_together(in_app(app, scan), len(scans)))
    assert set(results) <= {"admitted", "venue_full", "already_inside"}, results
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "sb"))
        inside = db.session.scalar(
            select(db.func.count()).select_from(StandbyPass).where(StandbyPass.inside.is_(True))
        )
        assert results["admitted"] == inside == show.inside_count == 10 - 2
        db.session.remove()
