"""Reconfirmation: asked by e-mail, "I'm coming" keeps the seat, "I can't come" frees it to the
waitlist at once, the silent are released at the deadline (and told), a reminder goes to the
silent before it; every action idempotent; the counts live."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.reconfirming import mail_kinds, show_with_holders, statuses


def _counts(app, slug="rc"):
    from checkin import reconfirmation
    from checkin.extensions import db
    from checkin.shows import get_show

    with app.app_context():
        found = reconfirmation.counts(db.session, get_show(db.session, slug).id)
        db.session.remove()
    return found


def _issued_count(app, slug="rc"):
    from checkin.extensions import db
    from checkin.models import Show, Ticket

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == slug))
        rows = db.session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.show_id == show.id, Ticket.status == "issued")
        )
        db.session.remove()
    return show.issued_count, rows, show.ticket_quota


def test_the_whole_round(app, now):
    from checkin import reconfirmation, reconfirmation_sweep

    holders, waiting = show_with_holders(app, issued=6, waiting=3, now=now)
    deadline = now + timedelta(hours=20)
    with app.app_context():
        started = reconfirmation.start("rc", deadline=deadline, now=now, remind_before=timedelta(hours=3))
        again = reconfirmation.start("rc", deadline=deadline + timedelta(hours=1), now=now)
    assert (started.asked, started.silent, started.state) == (6, 6, "running")
    assert again.asked == 6 and again.deadline == deadline  # a second start asks nobody twice
    assert sorted(k for t, k in mail_kinds(app) if k == "reconfirm") == ["reconfirm"] * 6

    with app.app_context():
        assert reconfirmation.reply(holders[0], "coming", now=now) == "coming"
        assert reconfirmation.reply(holders[0], "coming", now=now) == "coming"  # clicked twice
        assert reconfirmation.reply(holders[1], "declined", now=now) == "declined"
        assert reconfirmation.reply(holders[1], "declined", now=now) == "declined"
        # Changed one's mind: "coming", then "can't come" before the deadline.
        reconfirmation.reply(holders[2], "coming", now=now)
        assert reconfirmation.reply(holders[2], "declined", now=now) == "declined"
    assert statuses(app, holders[:3]) == ["issued", "cancelled", "cancelled"]
    assert statuses(app, waiting) == ["issued", "issued", "waitlisted"]  # promoted at once, in order

    with app.app_context():
        assert reconfirmation_sweep.sweep(now + timedelta(hours=1)) == {"reminded": 0, "released": 0}
        assert reconfirmation_sweep.sweep(deadline - timedelta(hours=3)) == {"reminded": 1, "released": 0}
        assert reconfirmation_sweep.sweep(deadline - timedelta(hours=2)) == {"reminded": 0, "released": 0}
    reminded = sorted(t for t, k in mail_kinds(app) if k == "reminder")
    assert reminded == sorted(holders[3:])  # only the silent

    with app.app_context():
        assert reconfirmation_sweep.sweep(deadline) == {"reminded": 0, "released": 3}
        assert reconfirmation_sweep.sweep(deadline + timedelta(minutes=1)) == {"reminded": 0, "released": 0}
    assert statuses(app, holders) == [
        "issued",
        "cancelled",
        "cancelled",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    assert statuses(app, waiting) == ["issued", "issued", "issued"]  # one seat left for 3 released
    released = sorted(t for t, k in mail_kinds(app) if k == "released")
    assert released == sorted(holders[3:])
    final = _counts(app)
    assert (
        final.asked,
        final.confirmed,
        final.declined,
        final.silent,
        final.released,
        final.promoted,
        final.state,
    ) == (6, 1, 2, 0, 3, 3, "released")
    issued_count, rows, quota = _issued_count(app)
    assert issued_count == rows <= quota

    from checkin.errors import ReconfirmationClosed

    with app.app_context(), pytest.raises(ReconfirmationClosed):
        reconfirmation.reply(holders[4], "coming", now=deadline + timedelta(seconds=1))


def test_cancelled_round_releases_nobody_and_mails_nothing_more(app, now):
    from checkin import reconfirmation, reconfirmation_sweep
    from checkin.errors import NotAsked

    holders, _ = show_with_holders(app, issued=3, waiting=1, now=now)
    deadline = now + timedelta(hours=20)
    with app.app_context():
        reconfirmation.start("rc", deadline=deadline, now=now, remind_before=timedelta(hours=3))
        assert reconfirmation.cancel("rc", now=now).state == "cancelled"
        assert reconfirmation.cancel("rc", now=now).state == "cancelled"  # twice is once
        assert reconfirmation_sweep.sweep(deadline + timedelta(hours=1)) == {"reminded": 0, "released": 0}
        with pytest.raises(NotAsked):
            reconfirmation.reply(holders[0], "coming", now=now)
    assert statuses(app, holders) == ["issued"] * 3


def test_the_deadline_must_be_before_doors(app, now):
    from checkin import reconfirmation
    from checkin.errors import InvalidInput

    show_with_holders(app, issued=1, waiting=0, now=now)
    with app.app_context():
        for deadline, code in (
            (now - timedelta(minutes=1), "deadline_past"),
            (now + timedelta(days=3), "deadline_after_doors"),
        ):
            with pytest.raises(InvalidInput) as raised:
                reconfirmation.start("rc", deadline=deadline, now=now)
            assert raised.value.fields == {"deadline": code}


def test_school_group_members_are_not_asked_nor_released(app, now):
    """A pupil's ticket has a placeholder address: asking it would mail nobody, and the deadline
    would then release the class's places as silent. The teacher answers for the group."""
    from checkin import reconfirmation, reconfirmation_sweep
    from checkin.registration import confirm, register
    from tests.support.factories import make_show, person
    from tests.support.groups import allow_groups, ticketed_group

    make_show(
        app,
        "rc",
        quota=10,
        capacity=10,
        now=now,
        doors_open_at=now + timedelta(days=2),
        starts_at=now + timedelta(days=2, hours=1),
        ends_at=now + timedelta(days=2, hours=4),
    )
    allow_groups(app, "rc")
    _, members = ticketed_group(app, "rc", pupils=2, adults=1)
    with app.app_context():
        public = [register("rc", person(i), now=now) for i in range(2)]
        for done in public:
            confirm(done.token, now=now)
        deadline = now + timedelta(hours=20)
        started = reconfirmation.start("rc", deadline=deadline, now=now)
        assert started.asked == 2  # the two public holders, not the group's three
        assert reconfirmation_sweep.sweep(deadline) == {"reminded": 0, "released": 2}
    assert sorted(t for t, k in mail_kinds(app) if k in ("reconfirm", "released")) == sorted(
        [d.token for d in public] * 2
    )
    from checkin.extensions import db
    from checkin.models import Ticket

    with app.app_context():
        member_statuses = db.session.scalars(
            select(Ticket.status).where(Ticket.code.in_([code for code, _ in members]))
        ).all()
    assert member_statuses == ["issued"] * 3
