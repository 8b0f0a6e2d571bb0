"""The closing figures of issue 19: 40 school groups and the public rush the last places of a show.

    .venv/bin/python -m tests.bench.group_rush [--database-url postgresql://...] [--groups 40]
        [--public 40] [--places-left 25] [--group-size 4] [--rounds 3]

A fresh database (SQLite in a temporary folder unless a PostgreSQL server URL is given, where a
database of its own is created and dropped) with one show of which only `places-left` places are
free; `groups` teachers (each asking for `group-size` places) and `public` registrants, each in a
thread of its own, are released at the same moment, through the same domain functions as their
pages (school_groups.request_group, registration.register). Printed: what was asked, held and
refused, the places oversold (must be 0: the show's counter against its quota, and against the
places the groups hold plus the tickets issued), and the time the rush took.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import func, select

from tests.support.racing import in_app, release_together

QUOTA = 1000


def build_app(instance: Path, database_url: str | None):
    from flask_migrate import upgrade

    from checkin import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance / 'rush.db'}",
            "INSTANCE_PATH": str(instance),
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
            "THREADS": 16,
        }
    )
    with app.app_context():
        upgrade()
    return app


def _teacher(i: int, size: int) -> dict:
    return {
        "school": f"Trường THCS Số {i}",
        "class_name": f"7A{i}",
        "teacher_name": f"Trần Thị {i}",
        "teacher_email": f"gv{i}@school.example.com",
        "teacher_phone": f"0987{i:06d}",
        "pupils": size - 1,
        "adults": 1,
        "consent": True,
    }


def _person(i: int) -> dict:
    return {
        "name": f"Nguyễn Văn {i}",
        "email": f"ban{i}@example.com",
        "phone": f"0912{i:06d}",
        "birth_year": 2004,
        "consent": True,
    }


def _show(app, slug: str, places_left: int, group_size: int) -> None:
    from datetime import timedelta

    from checkin.database import transaction, utcnow
    from checkin.group_models import GroupSettings
    from checkin.models import Show

    now = utcnow()
    with app.app_context(), transaction() as session:
        show = Show(
            slug=slug,
            title_vi="Minishow",
            title_en="Minishow",
            venue="Hà Nội",
            doors_open_at=now + timedelta(days=7),
            starts_at=now + timedelta(days=7, hours=1),
            ends_at=now + timedelta(days=7, hours=4),
            ticket_quota=QUOTA,
            venue_capacity=QUOTA,
            issued_count=QUOTA - places_left,  # the rest went earlier
            inside_count=0,
            reentry_allowed=False,
            registration_open=True,
            registration_opens_at=now - timedelta(hours=1),
            registration_closes_at=now + timedelta(days=7),
            waitlist_cutoff_minutes=120,
        )
        session.add(show)
        session.flush()
        session.add(GroupSettings(show_id=show.id, max_group_size=group_size, approval_required=False))


def rush(app, slug: str, args) -> dict:
    from checkin.database import utcnow
    from checkin.errors import DomainError
    from checkin.extensions import db
    from checkin.group_models import SchoolGroup
    from checkin.models import Show, Ticket
    from checkin.registration import register
    from checkin.school_groups import request_group

    _show(app, slug, args.places_left, args.group_size)
    total = args.groups + args.public

    def one(i: int):
        # Groups and the public interleaved, so that neither is released first.
        group = i % 2 == 0 if i < 2 * min(args.groups, args.public) else args.groups > args.public
        started = time.perf_counter()
        try:
            if group:
                outcome = "group " + request_group(slug, _teacher(i, args.group_size), now=utcnow()).state
            else:
                outcome = "public " + register(slug, _person(i), now=utcnow()).status
        except DomainError as error:
            outcome = ("group " if group else "public ") + error.code
        return outcome, time.perf_counter() - started

    started = time.perf_counter()
    results = release_together(in_app(app, one), total, unfinished=("unfinished", 0.0))
    wall = time.perf_counter() - started
    outcomes = Counter(outcome for outcome, _ in results)
    with app.app_context():
        show_id = db.session.scalar(select(Show.id).where(Show.slug == slug))
        counter = db.session.scalar(select(Show.issued_count).where(Show.id == show_id))
        held = db.session.scalar(
            select(func.coalesce(func.sum(SchoolGroup.held_places), 0)).where(SchoolGroup.show_id == show_id)
        )
        issued = db.session.scalar(
            select(func.count(Ticket.id)).where(Ticket.show_id == show_id, Ticket.status == "issued")
        )
        db.session.remove()
    latencies = sorted(seconds for _, seconds in results)
    return {
        "outcomes": outcomes,
        "groups_held": outcomes["group held"],
        "places_held": held,
        "groups_refused": args.groups - outcomes["group held"],
        "public_issued": issued,
        "public_refused": args.public - outcomes["public issued"],
        "counter": counter,
        # Past the quota, or a counter that does not match what is held and issued.
        "oversold": max(0, counter - QUOTA) + abs(counter - (QUOTA - args.places_left + held + issued)),
        "wall": wall,
        "median": statistics.median(latencies),
        "slowest": latencies[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--public", type=int, default=40)
    parser.add_argument("--places-left", type=int, default=25)
    parser.add_argument("--group-size", type=int, default=4, help="places each group asks for")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        url = None
        if args.database_url:
            from tests.bench.server import PostgresDatabase

            url = stack.enter_context(PostgresDatabase(args.database_url)).uri
        app = build_app(Path(folder), url)
        try:
            from checkin.extensions import db

            with app.app_context():
                backend = db.engine.dialect.name
            print(
                f"{backend}: {args.groups} groups of {args.group_size} and {args.public} public registrants "
                f"on the last {args.places_left} of {QUOTA} places, {args.rounds} rounds"
            )
            print(
                "| round | groups asked | groups held (places) | groups refused | public asked "
                "| public issued | public refused | counter | oversold | wall s | median ms | slowest ms |"
            )
            print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for number in range(1, args.rounds + 1):
                r = rush(app, f"rush{number}", args)
                unexpected = {
                    k: v
                    for k, v in r["outcomes"].items()
                    if k.split(" ")[1] not in ("held", "issued", "full")
                }
                print(
                    f"| {number} | {args.groups} | {r['groups_held']} ({r['places_held']}) | {r['groups_refused']} "
                    f"| {args.public} | {r['public_issued']} | {r['public_refused']} | {r['counter']}/{QUOTA} "
                    f"| {r['oversold']} | {r['wall']:.2f} | {r['median'] * 1000:.0f} | {r['slowest'] * 1000:.0f} |"
                    + (f" unexpected: {unexpected}" if unexpected else "")
                )
        finally:
            from checkin.extensions import db

            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
