"""The retention purge on a 100,000-ticket show: what holds personal data before and after, and
how long the purge takes.

    .venv/bin/python -m tests.bench.purge [--tickets N] [--database-url postgresql://...]

A fresh database (SQLite in a temporary folder unless a PostgreSQL URL is given, where a
database of its own is created and dropped) with one show of N tickets, each scanned about
twice (tests/bench/seed.py), whose end lies 91 days back.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text, update

from tests.bench import seed
from tests.bench.ticket_page import build_app


def _counts(session) -> dict[str, int]:
    from checkin.models import Scan, Ticket

    return {
        "tickets": session.scalar(select(func.count()).select_from(Ticket)),
        "tickets with personal data": session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.erased_at.is_(None))
        ),
        "tickets with an @ in the e-mail": session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.email.like("%@%"))
        ),
        "scans": session.scalar(select(func.count()).select_from(Scan)),
        "scans with a gate and time": session.scalar(
            select(func.count()).select_from(Scan).where(Scan.gate.is_not(None), Scan.scanned_at.is_not(None))
        ),
        "issued_count": session.scalar(text("SELECT issued_count FROM shows WHERE slug = 'purge'")),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        url = None
        if args.database_url:
            from tests.bench.server import PostgresDatabase

            url = stack.enter_context(PostgresDatabase(args.database_url)).uri
        app = build_app(Path(folder), url)
        try:
            run(app, args.tickets)
        finally:
            from checkin.extensions import db

            with app.app_context():
                db.engine.dispose()


def run(app, count: int) -> None:
    from checkin.database import transaction, utcnow
    from checkin.extensions import db
    from checkin.models import Show
    from checkin.retention import purge

    now = utcnow()
    with app.app_context():
        seed.doors_open_show("purge", "Cổng A", count, now, registration_open=False)
        tickets = seed.bulk_tickets("purge", count, now, tag="purge")
        seed.bulk_gate_history("purge", tickets, now)
        with transaction() as session:
            session.execute(update(Show).where(Show.slug == "purge").values(ends_at=now - timedelta(days=91)))
        before = _counts(db.session)
        db.session.remove()
        started = time.perf_counter()
        report = purge(now=utcnow(), show_slug="purge")
        seconds = time.perf_counter() - started
        after = _counts(db.session)
        backend = db.engine.dialect.name
    print(
        f"purge of {count:,} tickets on {backend}: {seconds:.1f} s; erased {report.tickets:,} tickets, "
        f"scrubbed {report.shows['purge'].scans:,} scans"
    )
    print("| | before | after |\n| --- | ---: | ---: |")
    for key in before:
        print(f"| {key} | {before[key]:,} | {after[key]:,} |")


if __name__ == "__main__":
    main()
