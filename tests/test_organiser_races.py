"""Moving tickets from the waitlist into the quota, from several organisers at once: the
database decides, so the show never passes its quota and the counter equals the rows."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from tests.conftest import make_show, person


def test_racing_moves_never_pass_the_quota(app, now):
    from checkin.attendees import move_ticket
    from checkin.errors import DomainError
    from checkin.extensions import db
    from checkin.models import Show, Ticket
    from checkin.registration import register

    make_show(app, "race", quota=5, waitlist_cutoff_minutes=0)
    with app.app_context():
        issued = [register("race", person(i), now=now).code for i in range(5)]
        waiting = [register("race", person(10 + i), now=now, join_waitlist=True).code for i in range(6)]
        for code in issued[:3]:
            move_ticket(code, "waitlisted", now=now)  # three seats free again

    barrier = threading.Barrier(len(waiting))
    outcomes: list[str] = []
    lock = threading.Lock()

    def organiser(code):
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                move_ticket(code, "issued", now=now)
                outcome = "moved"
            except DomainError as error:
                outcome = error.code
            finally:
                db.session.remove()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=organiser, args=(code,)) for code in waiting]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["full"] * 3 + ["moved"] * 3
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "race"))
        rows = db.session.scalar(select(func.count()).select_from(Ticket)
                                 .where(Ticket.show_id == show.id, Ticket.status == "issued"))
        assert show.issued_count == rows == show.ticket_quota == 5


def test_a_ticket_moved_twice_at_once_moves_once(app, now):
    from checkin.attendees import move_ticket
    from checkin.errors import DomainError
    from checkin.extensions import db
    from checkin.models import Show

    make_show(app, "race", quota=3)
    with app.app_context():
        from checkin.registration import register

        code = register("race", person(1), now=now).code
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def organiser():
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                move_ticket(code, "waitlisted", now=now)
                outcomes.append("moved")
            except DomainError as error:
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=organiser) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * 3 + ["moved"]
    with app.app_context():
        assert db.session.scalar(select(Show.issued_count).where(Show.slug == "race")) == 0
