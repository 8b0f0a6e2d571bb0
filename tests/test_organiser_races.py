"""Moving tickets from the waitlist into the quota, from several organisers at once: the
database decides, so the show never passes its quota and the counter equals the rows."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.support.factories import make_show, person
from tests.support.racing import in_app, release_together


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

    def organiser(i: int) -> str:
        try:
            move_ticket(waiting[i], "issued", now=now)
            return "moved"
        except DomainError as error:
            return error.code

    outcomes = release_together(in_app(app, organiser), len(waiting))
    assert sorted(outcomes) == ["full"] * 3 + ["moved"] * 3
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "race"))
        rows = db.session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.show_id == show.id, Ticket.status == "issued")
        )
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

    def organiser(i: int) -> str:
        try:
            move_ticket(code, "waitlisted", now=now)
            return "moved"
        except DomainError as error:
            return error.code

    outcomes = release_together(in_app(app, organiser), 4)
    assert sorted(outcomes) == ["conflict"] * 3 + ["moved"]
    with app.app_context():
        assert db.session.scalar(select(Show.issued_count).where(Show.slug == "race")) == 0
