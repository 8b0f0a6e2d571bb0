"""The dashboard's counters never lock the show's row (issue 20, migration 0014). A counter
row's first insert used to check its foreign key to the show, FOR KEY SHARE on the show's row,
from inside the trigger of the ticket it counts: a waitlisted ticket's cancellation (its ticket,
then the show) then deadlocked against a promotion (the show, then the first in line's ticket),
seen in CI's waitlist race on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, update

from tests.support.factories import person
from tests.support.gate import open_show


@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_a_waitlisted_ticket_cancelled_while_the_show_is_locked_does_not_wait_for_it(app, now):
    from checkin.extensions import db
    from checkin.models import Show, Ticket
    from checkin.registration import register

    open_show(app, "gate", quota=1)
    with app.app_context():
        register("gate", person(1), now=now)
        show_id = db.session.scalar(select(Show.id).where(Show.slug == "gate"))
        waiting = db.session.scalar(select(Ticket.id))
        # In line rather than issued: what the race's cancellations and promotions meet on.
        db.session.execute(update(Ticket).where(Ticket.id == waiting).values(status="waitlisted"))
        db.session.execute(update(Show).where(Show.id == show_id).values(issued_count=0))
        db.session.commit()
        engine = db.engine
        db.session.remove()
    promoter, canceller = engine.raw_connection(), engine.raw_connection()
    done = threading.Event()

    def cancel():
        # The first 'cancelled' count of its shard: a new counter row.
        canceller.cursor().execute("UPDATE tickets SET status = 'cancelled' WHERE id = %s", (waiting,))
        done.set()

    try:
        # A promotion's first step: the show's row, as waitlist.lock_show takes it.
        promoter.cursor().execute("SELECT id FROM shows WHERE id = %s FOR UPDATE", (show_id,))
        worker = threading.Thread(target=cancel)
        started = time.monotonic()
        worker.start()
        cancelled = done.wait(timeout=3)
        waited = time.monotonic() - started
    finally:
        promoter.rollback()
        worker.join(timeout=10)
        canceller.rollback()
        promoter.close()
        canceller.close()
    assert cancelled, f"the cancellation waited {waited:.1f} s for the transaction holding the show's row"
