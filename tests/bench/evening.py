"""One simulated evening of issue 18 on SQLite, through the domain functions with an explicit
clock, and its figures (the closing note's): tickets, confirmed, declined, released, promoted,
ticket holders and standby admitted, peak inside.

The day before, every holder is asked; some say they are coming, some that they cannot, the rest
stay silent and are released at the deadline, their seats going to the waitlist. On the evening,
most confirmed holders come (fewer of the promoted, who learnt late), spread over the first
ninety minutes; some leave early. People without a ticket join the standby line; from the show's
start, every free place under the capacity less the kept places calls the next number (the
worker's pass, each minute), and the called come to the gate. A model, not a measurement of
people: the shares below are its inputs, seeded so that a run can be repeated.

    .venv/bin/python -m tests.bench.evening [--tickets 600] [--capacity 500] [--waiting 150]
        [--standby 200] [--kept 20] [--seed 18]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

SLUG = "gala"
COMING, DECLINED = 0.55, 0.10  # of those asked; the rest stay silent
SHOWS_UP = {"coming": 0.95, "promoted": 0.80}
LEAVES_EARLY = 0.12
STANDBY_COMES_WHEN_CALLED = 0.9
ARRIVALS_OVER = 90  # minutes after the doors open
SHOW_STARTS, SHOW_ENDS = 60, 210  # minutes after the doors open


def _app(instance: Path):
    from flask_migrate import upgrade

    from checkin import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'evening.db'}",
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    return app


def _person(i: int) -> dict:
    return {
        "name": f"Người xem {i}",
        "email": f"khach{i}@example.com",
        "phone": f"0912{i:06d}",
        "birth_year": 2000,
        "consent": True,
    }


def _show(now, *, tickets: int, capacity: int):
    from checkin.database import transaction
    from checkin.models import Show

    doors = now + timedelta(days=2)
    with transaction() as session:
        session.add(
            Show(
                slug=SLUG,
                title_vi="Gala âm nhạc",
                title_en="Music gala",
                venue="Quảng trường Đông Kinh Nghĩa Thục",
                doors_open_at=doors,
                starts_at=doors + timedelta(minutes=SHOW_STARTS),
                ends_at=doors + timedelta(minutes=SHOW_ENDS),
                ticket_quota=tickets,
                venue_capacity=capacity,
                issued_count=0,
                inside_count=0,
                reentry_allowed=False,
                registration_open=True,
                registration_opens_at=now - timedelta(hours=1),
                registration_closes_at=doors,
                waitlist_cutoff_minutes=120,
            )
        )
    return doors


def _scan(app, text: str, direction: str, at) -> str:
    from checkin import admission

    return admission.scan(
        text,
        keyring=app.extensions["checkin_keyring"],
        staff=None,
        gate="Cổng A",
        direction=direction,
        client_scan_id=uuid.uuid4().hex,
        scanned_at=None,
        show_slug=SLUG,
        now=at,
    ).result


def _inside(session) -> int:
    from sqlalchemy import select

    from checkin.models import Show

    session.expire_all()
    return session.scalar(select(Show.inside_count).where(Show.slug == SLUG))


def play(
    app, *, tickets: int, capacity: int, waiting: int, standby_people: int, kept: int, seed: int
) -> dict:
    from sqlalchemy import select

    from checkin import reconfirmation, reconfirmation_sweep, standby, standby_gate
    from checkin import tickets as ticket_codes
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import Show, Ticket
    from checkin.registration import confirm, register

    rng = random.Random(seed)
    now = utcnow()
    doors = _show(now, tickets=tickets, capacity=capacity)
    tokens = []
    for i in range(tickets + waiting):
        done = register(SLUG, _person(i), now=now, join_waitlist=i >= tickets)
        confirm(done.token, now=now)
        tokens.append(done.token)
    waitlisted = set(tokens[tickets:])

    # The day before: asked, answered, reminded, released at the deadline.
    deadline = doors - timedelta(hours=4)
    asked_at = deadline - timedelta(hours=20)
    reconfirmation.start(SLUG, deadline=deadline, now=asked_at, remind_before=timedelta(hours=3))
    coming = set()
    for token in tokens[:tickets]:
        draw = rng.random()
        if draw < COMING:
            reconfirmation.reply(token, "coming", now=asked_at + timedelta(hours=rng.uniform(0, 16)))
            coming.add(token)
        elif draw < COMING + DECLINED:
            reconfirmation.reply(token, "declined", now=asked_at + timedelta(hours=rng.uniform(0, 16)))
    reconfirmation_sweep.sweep(deadline - timedelta(hours=3))
    reconfirmation_sweep.sweep(deadline)
    show_id = db.session.scalar(select(Show.id).where(Show.slug == SLUG))
    counts = reconfirmation.counts(db.session, show_id)
    db.session.remove()

    # The evening, minute by minute.
    keyring = app.extensions["checkin_keyring"]
    holders = db.session.execute(
        select(Ticket.token, Ticket.code).where(Ticket.show_id == show_id, Ticket.status == "issued")
    ).all()
    db.session.remove()
    arrivals: dict[int, list[str]] = {}
    departures: dict[int, list[str]] = {}
    for token, code in holders:
        kind = "promoted" if token in waitlisted else "coming" if token in coming else None
        # Silent holders were released; a holder still issued here said "coming" or was promoted.
        if kind and rng.random() < SHOWS_UP[kind]:
            minute = int(rng.triangular(0, ARRIVALS_OVER, 25))
            arrivals.setdefault(minute, []).append(ticket_codes.sign_payload(code, keyring))
            if rng.random() < LEAVES_EARLY:
                departures.setdefault(rng.randint(SHOW_STARTS + 15, SHOW_ENDS - 10), []).append(code)
    standby.configure(
        SLUG,
        now=doors,
        starts_at=doors + timedelta(minutes=SHOW_STARTS),
        below_expected=None,
        kept_places=kept,
    )
    joins = sorted(int(rng.uniform(-20, SHOW_STARTS + 30)) for _ in range(standby_people))
    passes = {}
    turned_away = 0
    waiting_at_gate: list[str] = []
    admitted_tickets = standby_admitted = peak = 0
    inside_after_start = []
    called_seen = set()
    for minute in range(-20, SHOW_ENDS):
        at = doors + timedelta(minutes=minute)
        while joins and joins[0] == minute:
            joins.pop(0)
            i = len(passes)
            joined = standby.join(SLUG, {"name": f"Khách chờ {i}", "phone": f"0987{i:06d}"}, now=at)
            passes[joined.number] = standby_gate.sign_pass(joined.code, keyring)
        if minute < 0:
            continue
        for text in waiting_at_gate + arrivals.get(minute, []):
            result = _scan(app, text, "in", at)
            if result == "admitted":
                admitted_tickets += 1
        waiting_at_gate = []
        for code in departures.get(minute, []):
            payload = ticket_codes.sign_payload(code, keyring)
            _scan(app, payload, "out", at)
        called = standby.call(SLUG, now=at)
        for number in range(1, called + 1):
            if number in called_seen or number not in passes:
                continue
            called_seen.add(number)
            if rng.random() >= STANDBY_COMES_WHEN_CALLED:
                continue  # gone home; the place stays free until the next count
            result = _scan(app, passes[number], "in", at)
            if result == "admitted":
                standby_admitted += 1
            else:
                turned_away += 1
        inside = _inside(db.session)
        db.session.remove()
        peak = max(peak, inside)
        if minute >= SHOW_STARTS:
            inside_after_start.append(inside)
    board = standby.board(db.session, db.session.get(Show, show_id), doors + timedelta(minutes=SHOW_STARTS))
    final = db.session.get(Show, show_id)
    figures = {
        "tickets": tickets,
        "waitlisted": waiting,
        "capacity": capacity,
        "kept": kept,
        "asked": counts.asked,
        "confirmed": counts.confirmed,
        "declined": counts.declined,
        "released": counts.released,
        "promoted": counts.promoted,
        "issued_at_doors": len(holders),
        "ticket_holders_admitted": admitted_tickets,
        "standby_issued": board.issued,
        "standby_called_up_to": board.called_up_to,
        "standby_admitted": standby_admitted,
        "standby_refused_at_gate": turned_away,
        "peak_inside": peak,
        "mean_inside_during_show": round(sum(inside_after_start) / max(1, len(inside_after_start))),
        "issued_count_matches": final.issued_count == len(holders),
    }
    db.session.remove()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--capacity", type=int, default=500)
    parser.add_argument("--waiting", type=int, default=150)
    parser.add_argument("--standby", type=int, default=200)
    parser.add_argument("--kept", type=int, default=20)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="checkin-evening-") as folder:
        app = _app(Path(folder))
        with app.app_context():
            figures = play(
                app,
                tickets=args.tickets,
                capacity=args.capacity,
                waiting=args.waiting,
                standby_people=args.standby,
                kept=args.kept,
                seed=args.seed,
            )
    f = figures
    print(
        f"One evening on SQLite (seed {args.seed}): {f['tickets']} tickets for a square of {f['capacity']}, "
        f"{f['waitlisted']} on the waitlist, {f['kept']} places kept for late ticket holders.\n"
        f"  reconfirmation: asked {f['asked']}, confirmed {f['confirmed']}, declined {f['declined']}, "
        f"released (silent) {f['released']}, promoted from the waitlist {f['promoted']}\n"
        f"  tickets issued at the doors: {f['issued_at_doors']} "
        f"(counter matches the rows: {f['issued_count_matches']})\n"
        f"  ticket holders admitted: {f['ticket_holders_admitted']}\n"
        f"  standby: issued {f['standby_issued']}, called up to {f['standby_called_up_to']}, "
        f"admitted {f['standby_admitted']}, refused at the gate {f['standby_refused_at_gate']}\n"
        f"  inside: peak {f['peak_inside']} of {f['capacity']} "
        f"(within capacity at every minute: {f['peak_inside'] <= f['capacity']}), "
        f"mean during the show {f['mean_inside_during_show']}"
    )


if __name__ == "__main__":
    main()
