"""The dashboard's stats at festival scale (issue 20, goal 4: p99 < 20 ms at 1,000,000 tickets
and 2,000,000 scans, on SQLite and PostgreSQL, every number equal to a direct count): a show of
its own seeded in bulk (seed.bulk_evening), GET /api/v1/shows/<slug>/stats timed, and its answer
checked against COUNT queries of the rows. `make bench` times it through gunicorn (run.py,
--stats-tickets); run alone, this times it in-process with Flask's test client, on SQLite and,
when CHECKIN_TEST_DATABASE_URL is set, on PostgreSQL. A benchmark, not a test:

    .venv/bin/python -m tests.bench.stats_at_scale [--calls 200] [--tickets 1000000] [--explain]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.bench import seed
from tests.bench.server import PostgresDatabase

TICKETS = 1_000_000
CALLS = 200
GOAL_P99_MS = 20
ORGANISER = "stats-boss"
# The numbers of the answer that are counts of tickets, as tests/test_stats.py checks them.
TICKET_NUMBERS = ("ticket_quota", "venue_capacity", "issued", "waitlisted", "cancelled", "admitted", "inside")
GATE_NUMBERS = ("admitted", "reentered", "exited", "refused", "conflicts", "scans")


@dataclass
class Seeded:
    token: str  # an organiser's API token
    tickets: int
    scans: int
    seconds: float  # the bulk writes, triggers and their counters included
    analyze_seconds: float  # then VACUUM ANALYZE (PostgreSQL) or ANALYZE (SQLite)


def _app(uri: str, instance: Path):
    from flask_migrate import upgrade

    from checkin import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    return app


def seed_show(app, count: int) -> Seeded:
    """The bench shows of a migrated, empty database; seed.STATS_SHOW with `count` tickets and
    their evening's 2 scans each; an organiser and a token."""
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.staff import add_staff, issue_token

    now = utcnow()
    with app.app_context():
        seed.create_shows(now)
        started = time.perf_counter()
        scans = seed.bulk_evening(seed.STATS_SHOW, count, now, tag="stats")
        seeded = time.perf_counter() - started
        _analyze(app)
        analyzed = time.perf_counter() - started - seeded
        add_staff(ORGANISER, "organiser", now=now)
        token = issue_token(ORGANISER, now=now)
        db.session.remove()
    return Seeded(token, count, scans, seeded, analyzed)


def _analyze(app) -> None:
    """Fresh planner statistics, as a database that has been running for a while has."""
    from sqlalchemy import text

    from checkin.extensions import db

    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        # Autovacuum would get there soon after a bulk load; index-only scans need its
        # visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def direct_counts(app, slug: str = seed.STATS_SHOW) -> dict:
    """The dashboard's numbers as COUNT queries over the show's tickets and scans (what
    tests/support/organiser.direct_counts counts row by row, which a million rows make slow)."""
    from sqlalchemy import func, select

    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket

    with app.app_context():
        session = db.session
        show = session.execute(
            select(
                Show.id, Show.ticket_quota, Show.venue_capacity, Show.issued_count, Show.inside_count
            ).where(Show.slug == slug)
        ).one()
        admitted = Ticket.admitted_at.is_not(None)
        tickets = session.execute(
            select(Ticket.status, admitted, Ticket.inside, func.count())
            .where(Ticket.show_id == show.id)
            .group_by(Ticket.status, admitted, Ticket.inside)
        ).all()
        scans = session.execute(
            select(Scan.gate, Scan.result, func.count())
            .where(Scan.show_id == show.id, Scan.undone_by_scan_id.is_(None))
            .group_by(Scan.gate, Scan.result)
        ).all()
        db.session.remove()
    counted = tally(tickets, scans)
    counted.update(
        ticket_quota=show.ticket_quota,
        venue_capacity=show.venue_capacity,
        issued_counter=show.issued_count,
        inside_counter=show.inside_count,
    )
    return counted


def tally(tickets: Iterable[tuple[str, bool, bool, int]], scans: Iterable[tuple[str, str, int]]) -> dict:
    """The counts of (status, admitted, inside, n) and of live scans' (gate, result, n), in the
    shape of tests/support/organiser.direct_counts (refused: every result but the admissions,
    the moves, a conflict and an undo), each gate's refusals by result and all its scans too."""
    counted = dict(issued=0, waitlisted=0, cancelled=0, admitted=0, inside=0, not_admitted_issued=0)
    for status, admitted, inside, n in tickets:
        if status in ("issued", "waitlisted", "cancelled"):
            counted[status] += n
        counted["admitted"] += n if admitted else 0
        counted["inside"] += n if inside else 0
        counted["not_admitted_issued"] += n if status == "issued" and not admitted else 0
    gates: dict[str, dict] = {}
    for label, result, n in scans:
        gate = gates.setdefault(label, {**dict.fromkeys(GATE_NUMBERS, 0), "refusals": {}})
        gate["scans"] += n
        if result in ("admitted", "reentered", "exited"):
            gate[result] += n
        elif result == "conflict":
            gate["conflicts"] += n
        elif result != "undone":
            gate["refused"] += n
            gate["refusals"][result] = gate["refusals"].get(result, 0) + n
    counted["gates"] = gates
    counted["admitted_scans"] = sum(gate["admitted"] for gate in gates.values())
    return counted


def mismatches(stats: dict, counted: dict) -> list[str]:
    """Where the stats endpoint's answer and the direct counts differ (empty: every number
    equal), as tests/test_stats.py's _assert_matches_database checks it."""
    problems = [
        f"{name} {stats.get(name)} ≠ {counted[name]} counted"
        for name in TICKET_NUMBERS
        if stats.get(name) != counted[name]
    ]
    for counter, rows in (("issued_counter", "issued"), ("inside_counter", "inside")):
        if counted[counter] != counted[rows]:
            problems.append(f"the show's {counter} {counted[counter]} ≠ {counted[rows]} rows")
    answered = stats.get("gates", {})
    for label in sorted(set(answered) | set(counted["gates"])):
        gate = counted["gates"].get(label, {**dict.fromkeys(GATE_NUMBERS, 0), "refusals": {}})
        for name in (*GATE_NUMBERS, "refusals"):
            value = answered.get(label, {}).get(name)
            if value != gate[name]:
                problems.append(f"gate {label} {name} {value} ≠ {gate[name]} counted")
    arrivals = sum(bucket["count"] for bucket in stats.get("arrivals", []))
    if arrivals != counted["admitted_scans"]:
        problems.append(f"arrivals {arrivals} ≠ {counted['admitted_scans']} admitted scans")
    if counted["issued"] and stats.get("no_show_share") is not None:
        share = round(counted["not_admitted_issued"] / counted["issued"], 4)
        if stats["no_show_share"] != share:
            problems.append(f"no_show_share {stats['no_show_share']} ≠ {share} counted")
    return problems


def percentile(times: list[float], fraction: float) -> float:
    """The nearest-rank percentile, as tests/bench/load.py takes it."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def verdict(p99: float | None) -> str:
    if p99 is None:
        return "n/a"
    return "met" if p99 < GOAL_P99_MS else "MISSED"


def _explain(app) -> None:
    from sqlalchemy import event, select

    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import Show
    from checkin.stats import show_stats

    with app.app_context():
        show_id = db.session.scalar(select(Show.id).where(Show.slug == seed.STATS_SHOW))
        prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
        captured = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", capture)
        show_stats(db.session, db.session.get(Show, show_id), utcnow())
        event.remove(db.engine, "before_cursor_execute", capture)
        for statement, parameters in captured:
            print("  ", " ".join(statement.split())[:160])
            for row in db.session.connection().exec_driver_sql(prefix + statement, parameters):
                print("     ", " | ".join(str(v) for v in row))


def _timed(call, calls: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock milliseconds of each call; `cpu` collects this process's CPU milliseconds,
    which a busy machine does not inflate (for SQLite that is all the work: it runs in-process)."""
    times = []
    for _ in range(calls):
        c0, t0 = time.process_time(), time.perf_counter()
        response = call()
        times.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200
    return times


def measure(name: str, app, calls: int, explain: bool, count: int = TICKETS) -> None:
    seeded = seed_show(app, count)
    client = app.test_client()
    url = f"/api/v1/shows/{seed.STATS_SHOW}/stats"
    headers = {"Authorization": f"Bearer {seeded.token}"}
    first = client.get(url, headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    cpu: list[float] = []
    times = _timed(lambda: client.get(url, headers=headers), calls, cpu)
    baseline = _timed(lambda: client.get("/api/v1/health"), calls)
    body = first.json
    problems = mismatches(body, direct_counts(app))
    p99 = percentile(times, 0.99)
    print(
        f"{name}: seeded {count:,} tickets and {seeded.scans:,} scans in {seeded.seconds:.1f} s "
        f"(then {seeded.analyze_seconds:.1f} s of ANALYZE); stats over {calls} calls: median "
        f"{statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, p99 {p99:.1f} ms "
        f"(goal < {GOAL_P99_MS} ms: {verdict(p99)}), max {max(times):.1f} ms, CPU of this process "
        f"median {statistics.median(cpu):.1f} ms (issued {body['issued']:,}, admitted "
        f"{body['admitted']:,}, inside {body['inside']:,}, {len(body['arrivals'])} arrival buckets); "
        f"direct counts: {'; '.join(problems) if problems else 'every number equal'}; baseline GET "
        f"/api/v1/health median {statistics.median(baseline):.1f} ms, load average "
        f"{os.getloadavg()[0]:.1f} (this machine is shared: compare ratios)"
    )
    if explain:
        _explain(app)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=CALLS)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument("--tickets", type=int, default=TICKETS, help="tickets seeded (2 scans each)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="stats-bench-") as tmp:
        tmp = Path(tmp)
        backends = args.backend or ["sqlite", "postgresql"]
        if "sqlite" in backends:
            app = _app(f"sqlite:///{tmp / 'stats.db'}", tmp / "sqlite-instance")
            measure("SQLite", app, args.calls, args.explain, args.tickets)
        pg_url = os.environ.get("CHECKIN_TEST_DATABASE_URL")
        if "postgresql" not in backends:
            pass
        elif pg_url:
            from checkin.config import database_uri

            with PostgresDatabase(pg_url, prefix="checkin_stats_bench") as database:
                app = _app(database_uri(database.uri), tmp / "pg-instance")
                measure("PostgreSQL", app, args.calls, args.explain, args.tickets)
                with app.app_context():
                    from checkin.extensions import db

                    db.session.remove()
                    db.engine.dispose()
        else:
            print("PostgreSQL: skipped (set CHECKIN_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
