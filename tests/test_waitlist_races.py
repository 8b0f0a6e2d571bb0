"""Cancellations, new registrations and quota changes racing each other (threads, and "spawn"
processes; SQLite file and PostgreSQL): never oversold, the waitlist promoted strictly in order,
nobody skipped, nobody promoted twice, no seat left free while people wait."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
from sqlalchemy import select

from tests.support.factories import make_show, person
from tests.support.waitlist_racers import naive_promote, process_racer, race_threads

pytestmark = pytest.mark.slow

QUOTA = 6
WAITING = 14
CANCEL_ISSUED = 4
NEWCOMERS = 6
QUOTA_RAISES = (9, 10)


def _setup(app) -> tuple[list[tuple], dict]:
    """A full show with a line of WAITING people, and the actions that will race."""
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import Ticket
    from checkin.registration import register

    make_show(app, "race", quota=QUOTA, capacity=100)
    with app.app_context():
        issued = [register("race", person(i), now=utcnow()) for i in range(QUOTA)]
        waiting = [
            register("race", person(100 + i), now=utcnow(), join_waitlist=True) for i in range(WAITING)
        ]
        assert {r.status for r in issued} == {"issued"} and {r.status for r in waiting} == {"waitlisted"}
        ids = dict(db.session.execute(select(Ticket.code, Ticket.id)).all())
        db.session.remove()
    actions = [("cancel", r.token) for r in issued[:CANCEL_ISSUED]]
    # Two people near the front of the line leave it (or their fresh ticket) at the same time.
    actions += [("cancel", waiting[1].token), ("cancel", waiting[4].token)]
    actions += [("register", person(200 + i)) for i in range(NEWCOMERS)]
    actions += [("quota", q) for q in QUOTA_RAISES]
    return actions, {"waiting_ids": [ids[r.code] for r in waiting]}


def _check(app, outcomes: list[str], setup: dict) -> dict:
    from checkin.extensions import db
    from checkin.models import OutboxMessage, Show, Ticket

    counts = Counter(outcomes)
    # A raise to 9 that comes after the raise to 10 has filled 10 seats is refused: 9 < issued.
    assert counts["quota"] >= 1 and counts["quota"] + counts["conflict"] == len(QUOTA_RAISES), counts
    assert counts["waitlisted"] == NEWCOMERS, counts  # the line never emptied: no newcomer jumped it
    assert counts["cancelled-issued"] + counts["cancelled-waitlisted"] == CANCEL_ISSUED + 2, counts
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "race"))
        rows = db.session.execute(
            select(Ticket.id, Ticket.status).where(Ticket.show_id == show.id).order_by(Ticket.id)
        ).all()
        promoted = list(
            db.session.scalars(
                select(OutboxMessage.ticket_id)
                .where(OutboxMessage.kind == "promoted")
                .order_by(OutboxMessage.id)
            )
        )
        quota, counter = show.ticket_quota, show.issued_count
        db.session.remove()
    status = dict(rows)
    issued = sum(1 for s in status.values() if s == "issued")
    still_waiting = sorted(i for i, s in status.items() if s == "waitlisted")
    # Invariant 1: the counter is the issued rows, within the quota (whichever raise came last).
    assert quota in QUOTA_RAISES
    assert counter == issued <= quota
    # No seat stays free while people wait (the cut-off is far away).
    assert still_waiting and issued == quota
    # Nobody promoted twice, and every seat freed went to the line: issued now = issued before
    # - issued tickets cancelled + promotions.
    assert len(promoted) == len(set(promoted))
    assert issued == QUOTA - counts["cancelled-issued"] + len(promoted)
    # In order, nobody skipped: whoever still waits registered after everyone promoted, and
    # everyone of the original line before the last promoted is promoted or cancelled.
    assert max(promoted) < min(still_waiting)
    line = setup["waiting_ids"]
    for ticket_id in line[: line.index(max(promoted)) + 1]:
        assert ticket_id in promoted or status[ticket_id] == "cancelled", ticket_id
    assert all(status[p] in ("issued", "cancelled") for p in promoted)
    return {
        "quota": quota,
        "quota_refused": counts["conflict"],
        "issued": issued,
        "promoted": len(promoted),
        "still_waiting": len(still_waiting),
        "cancelled_issued": counts["cancelled-issued"],
        "cancelled_waiting": counts["cancelled-waitlisted"],
    }


def test_threads_promote_in_order_and_never_oversell(app, capsys):
    actions, setup = _setup(app)
    outcomes = race_threads(app, "race", actions)
    figures = _check(app, outcomes, setup)
    with capsys.disabled():
        print(f"\n[waitlist race, {len(actions)} threads] {figures}")


def test_processes_promote_in_order_and_never_oversell(app, app_config, capsys):
    actions, setup = _setup(app)
    context = multiprocessing.get_context("spawn")
    processes_count = 2
    ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
    shares = [actions[i::processes_count] for i in range(processes_count)]
    processes = [
        context.Process(target=process_racer, args=(app_config, "race", share, ready, go, results))
        for share in shares
    ]
    for process in processes:
        process.start()
    for _ in processes:
        assert ready.acquire(timeout=120), "a racer process did not start"
    go.set()
    outcomes = [outcome for _ in processes for outcome in results.get(timeout=180)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    figures = _check(app, outcomes, setup)
    with capsys.disabled():
        print(
            f"\n[waitlist race, {processes_count} processes x ~{len(actions) // processes_count} threads] {figures}"
        )


def test_control_a_naive_promotion_double_promotes_or_fails(app, capsys):
    """Proves the race these tests look for exists: two promotions that read the line, then
    write, both pick the same person (PostgreSQL) or one of them fails (SQLite)."""
    import threading

    from checkin.database import transaction, utcnow
    from checkin.models import Show
    from checkin.registration import register

    make_show(app, "race", quota=1, capacity=100)
    with app.app_context():
        register("race", person(1), now=utcnow())
        for i in range(2):
            register("race", person(2 + i), now=utcnow(), join_waitlist=True)
        with transaction() as session:  # two seats appear without going through promotion
            session.scalar(select(Show).where(Show.slug == "race")).ticket_quota = 3
    read_done = threading.Barrier(2)
    results = [None, None]

    def run(i):
        results[i] = naive_promote(app, "race", read_done)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counter, rows = _issued(app)
    broken = results[0] == results[1] or any(not r.isdigit() for r in results) or counter != rows
    assert broken, (results, counter, rows)
    with capsys.disabled():
        print(f"\n[control, naive promotion] promoted: {results}, issued_count {counter}, issued rows {rows}")


def _issued(app) -> tuple[int, int]:
    from sqlalchemy import func

    from checkin.extensions import db
    from checkin.models import Show, Ticket

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "race"))
        rows = db.session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.show_id == show.id, Ticket.status == "issued")
        )
        counter = show.issued_count
        db.session.remove()
    return counter, rows
