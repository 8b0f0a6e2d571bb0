"""Invariant 1 with school groups: 40 teachers and 40 public registrants rush the last places
of a show at the same moment, from threads of their own, on a SQLite file and PostgreSQL. Held
places and issued tickets together never pass the quota, and the counter equals what is held.

Run with -s to see the figures of the rush."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.support.factories import make_show, person
from tests.support.groups import allow_groups, teacher
from tests.support.racing import in_app, release_together

pytestmark = pytest.mark.slow

GROUPS = 40
PUBLIC = 40
PLACES_LEFT = 25
GROUP_SIZE = 4  # 3 pupils and their teacher


def _rush(app, slug: str):
    from checkin.database import utcnow
    from checkin.errors import DomainError
    from checkin.registration import register
    from checkin.school_groups import request_group

    def one(i: int):
        started = time.perf_counter()
        try:
            if i % 2 == 0:
                outcome = (
                    "group "
                    + request_group(slug, teacher(i, pupils=GROUP_SIZE - 1, adults=1), now=utcnow()).state
                )
            else:
                outcome = "public " + register(slug, person(i), now=utcnow()).status
        except DomainError as error:
            outcome = ("group " if i % 2 == 0 else "public ") + error.code
        except Exception as error:  # noqa: BLE001 - reported, and fails the test
            outcome = f"crash {type(error).__name__}: {error}"
        return outcome, time.perf_counter() - started

    return release_together(in_app(app, one), GROUPS + PUBLIC, unfinished=("unfinished", 0.0))


def test_forty_groups_and_the_public_rush_the_last_places(app, database_uri):
    from checkin.extensions import db
    from checkin.group_models import SchoolGroup
    from checkin.models import Show, Ticket

    quota = 100
    make_show(app, "rush", quota=quota, capacity=quota)
    allow_groups(app, "rush", max_size=GROUP_SIZE)
    with app.app_context():
        db.session.execute(Show.__table__.update().values(issued_count=quota - PLACES_LEFT))
        db.session.commit()
    started = time.perf_counter()
    results = _rush(app, "rush")
    elapsed = time.perf_counter() - started
    outcomes = Counter(outcome for outcome, _ in results)
    assert not [o for o in outcomes if o.startswith(("crash", "unfinished"))], outcomes
    assert set(outcomes) <= {"group held", "group full", "public issued", "public full"}, outcomes
    with app.app_context():
        counter = db.session.scalar(select(Show.issued_count).where(Show.slug == "rush"))
        held = db.session.scalar(select(func.coalesce(func.sum(SchoolGroup.held_places), 0)))
        groups = db.session.scalar(select(func.count(SchoolGroup.id)))
        tickets = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.status == "issued"))
    taken = outcomes["group held"] * GROUP_SIZE + outcomes["public issued"]
    assert groups == outcomes["group held"] and tickets == outcomes["public issued"]
    assert counter == quota - PLACES_LEFT + held + tickets == quota - PLACES_LEFT + taken
    assert counter <= quota
    # The last places all went: whatever is left is smaller than the smallest ask (one person).
    assert counter == quota, (counter, outcomes)
    backend = database_uri.split(":")[0]
    latencies = sorted(seconds for _, seconds in results)
    print(
        f"\n[{backend}] 40-group rush on the last {PLACES_LEFT} places: {dict(outcomes)}; "
        f"groups held {outcomes['group held']} ({held} places), public issued {tickets}; "
        f"counter {counter}/{quota}; wall {elapsed:.2f}s, median {latencies[len(latencies) // 2] * 1000:.0f} ms, "
        f"slowest {latencies[-1] * 1000:.0f} ms"
    )
