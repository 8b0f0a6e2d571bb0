"""One simulated evening, end to end through the domain (the figures of issue 18's closing note):
40 tickets for a 30-place square, 10 on the waitlist; a reconfirmation where some cannot come and
some stay silent; the release; then at the gate ticket holders come and go, the standby line fills
the places they leave, never into the kept ones. Prints the evening's figures."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from tests.support.gate import payload
from tests.support.reconfirming import show_with_holders, statuses
from tests.support.standby_line import gate_scan, join_many

TICKETS, WAITING, CAPACITY, KEPT = 40, 10, 30, 3


def _scan(app, code, direction, now):
    from checkin import admission

    with app.app_context():
        return admission.scan(
            payload(app, code),
            keyring=app.extensions["checkin_keyring"],
            staff=None,
            gate="A",
            direction=direction,
            client_scan_id=uuid.uuid4().hex,
            scanned_at=None,
            show_slug="rc",
            now=now,
        ).result


def test_one_evening(app, now):
    from checkin import reconfirmation, reconfirmation_sweep, standby
    from checkin.extensions import db
    from checkin.models import Show, Ticket
    from checkin.shows import update_show

    holders, waiting = show_with_holders(app, issued=TICKETS, waiting=WAITING, now=now)
    with app.app_context():
        update_show("rc", now=now, venue_capacity=CAPACITY)
        deadline = now + timedelta(hours=20)
        reconfirmation.start("rc", deadline=deadline, now=now, remind_before=timedelta(hours=3))
        for i, token in enumerate(holders):
            if i % 10 < 6:  # six in ten say they are coming
                reconfirmation.reply(token, "coming", now=now + timedelta(hours=1))
            elif i % 10 < 7:  # one in ten cannot come
                reconfirmation.reply(token, "declined", now=now + timedelta(hours=1))
        reconfirmation_sweep.sweep(deadline - timedelta(hours=3))
        reconfirmation_sweep.sweep(deadline)
        counts = reconfirmation.counts(
            db.session, db.session.scalar(select(Show.id).where(Show.slug == "rc"))
        )
        db.session.remove()
    assert counts.asked == TICKETS and counts.silent == 0
    assert counts.declined + counts.released >= counts.promoted == WAITING

    # The evening: doors open. Every confirmed or promoted ticket holder but a few arrives.
    evening = now + timedelta(days=2, minutes=5)
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "rc"))
        show.doors_open_at = evening - timedelta(minutes=5)
        show.starts_at, show.ends_at = evening + timedelta(minutes=30), evening + timedelta(hours=3)
        db.session.commit()
        codes = list(
            db.session.scalars(
                select(Ticket.code)
                .where(Ticket.show_id == show.id, Ticket.status == "issued")
                .order_by(Ticket.id)
            )
        )
        db.session.remove()
    peak = 0
    admitted_tickets = 0
    for code in codes[:-4]:  # four holders never come
        result = _scan(app, code, "in", evening)
        assert result in ("admitted", "venue_full")
        admitted_tickets += result == "admitted"
    passes = join_many(app, "rc", 20, now=evening)
    with app.app_context():
        standby.configure("rc", now=evening, starts_at=evening, below_expected=None, kept_places=KEPT)
    standby_admitted = 0
    leavers = iter(codes[:12])
    for _round in range(6):
        with app.app_context():
            called = standby.call("rc", now=evening)
        for found in passes:
            if (
                found.number <= called
                and gate_scan(app, found.code, slug="rc", now=evening).result == "admitted"
            ):
                standby_admitted += 1
                with app.app_context():  # standby never takes a kept place
                    assert (
                        db.session.scalar(select(Show.inside_count).where(Show.slug == "rc"))
                        <= CAPACITY - KEPT
                    )
                    db.session.remove()
        with app.app_context():
            inside = db.session.scalar(select(Show.inside_count).where(Show.slug == "rc"))
            db.session.remove()
        assert inside <= CAPACITY
        peak = max(peak, inside)
        for _ in range(2):  # two people leave early, each round
            _scan(app, next(leavers), "out", evening)
    with app.app_context():
        final = db.session.scalar(select(Show).where(Show.slug == "rc"))
        issued = db.session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.show_id == final.id, Ticket.status == "issued")
        )
        board = standby.board(db.session, final, evening)
        db.session.remove()
    assert final.issued_count == issued <= TICKETS
    assert statuses(app, waiting) == ["issued"] * WAITING
    print(
        f"\nevening: tickets {TICKETS} (+{WAITING} waiting), capacity {CAPACITY}, kept {KEPT}; "
        f"reconfirmation asked {counts.asked}, confirmed {counts.confirmed}, declined {counts.declined}, "
        f"released {counts.released}, promoted {counts.promoted}; ticket holders admitted {admitted_tickets}; "
        f"standby issued {board.issued}, called up to {board.called_up_to}, admitted {standby_admitted}; "
        f"peak inside {peak}"
    )
