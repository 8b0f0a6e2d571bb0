"""Places inside held by shards of a show's admissions (checkin/places.py, issue 20): under real
races on SQLite and PostgreSQL, the venue's capacity is never exceeded, exactly the capacity is
admitted, a place freed by an exit is taken again, and a lowered capacity bounds every place."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.support.gate import issue, open_show, payload
from tests.support.scan_workers import race

pytestmark = pytest.mark.slow
GATES = ("Cổng A", "Cổng B", "Cổng C", "Cổng D")


def _places(app) -> tuple[int, int, int, int]:
    """(places taken, places held, people inside by the counter, people inside by the rows)."""
    from checkin.extensions import db
    from checkin.models import Show, ShowPlace, Ticket

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "gate"))
        held = db.session.scalar(select(func.coalesce(func.sum(ShowPlace.free), 0)))
        rows = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.inside.is_(True)))
        values = (show.places_taken, int(held), show.inside_count, rows)
        db.session.remove()
    return values


def _invariant(app, capacity: int) -> int:
    taken, held, inside, rows = _places(app)
    assert inside == rows == taken - held and taken <= max(capacity, rows)
    return rows


def test_capacity_holds_while_shards_take_places_in_blocks(app, app_config):
    from checkin import places
    from checkin.database import utcnow
    from checkin.shows import update_show

    capacity = 100  # beyond a block per shard for some shards, below SHARDS x BLOCK
    assert places.SHARDS * places.BLOCK > capacity > places.BLOCK
    open_show(app, capacity=capacity, quota=200)
    texts = [payload(app, code) for code in issue(app, "gate", 160)]
    shares = {gate: texts[i :: len(GATES)] for i, gate in enumerate(GATES)}
    answers = race(app, app_config, "threads", shares)
    assert Counter(result for _, result, _, _ in answers) == {"admitted": 100, "venue_full": 60}
    assert _invariant(app, capacity) == 100

    admitted = [a[2]["ticket"]["code"] for a in answers if a[1] == "admitted"]
    refused = [payload(app, a[2]["ticket"]["code"]) for a in answers if a[1] == "venue_full"]
    leaving = {
        gate: [payload(app, code) for code in admitted[i * 5 : i * 5 + 5]] for i, gate in enumerate(GATES)
    }
    assert Counter(a[1] for a in race(app, app_config, "threads", leaving, direction="out")) == {"exited": 20}
    assert _invariant(app, capacity) == 80
    # Twenty places are free again, some held by shards: exactly twenty of the refused get in.
    again = {gate: refused[i :: len(GATES)] for i, gate in enumerate(GATES)}
    second = race(app, app_config, "threads", again)
    assert Counter(a[1] for a in second) == {"admitted": 20, "venue_full": 40}
    assert _invariant(app, capacity) == 100

    # The capacity lowered below the people inside: nobody gets in until enough have left, and
    # the places freed meanwhile go back to the show, not to a shard.
    with app.app_context():
        update_show("gate", now=utcnow(), venue_capacity=90)
    assert _places(app)[1] == 0
    still_refused = [payload(app, a[2]["ticket"]["code"]) for a in second if a[1] == "venue_full"][:20]
    leaving = {
        gate: [payload(app, code) for code in admitted[20 + i * 3 : 20 + i * 3 + 3]]
        for i, gate in enumerate(GATES)
    }
    assert Counter(a[1] for a in race(app, app_config, "threads", leaving, direction="out")) == {"exited": 12}
    assert _invariant(app, 90) == 88
    crowd = {gate: still_refused[i :: len(GATES)] for i, gate in enumerate(GATES)}
    results = Counter(a[1] for a in race(app, app_config, "threads", crowd))
    assert results["admitted"] == 2 and _invariant(app, 90) == 90
