"""The dashboard's stats at festival scale: 100,000 tickets and 200,000 scans seeded in bulk
(--tickets: issue 20's goal is at 1,000,000 and 2,000,000), then GET
/api/v1/shows/<slug>/stats timed in-process (median, p95 and p99 of 30 calls) on SQLite and,
when CHECKIN_TEST_DATABASE_URL is set, on PostgreSQL. A benchmark, not a test:

    .venv/bin/python -m tests.bench.stats_at_scale [--calls 30] [--tickets 1000000] [--explain]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from tests.bench import seed
from tests.bench.server import PostgresDatabase

TICKETS = 100_000


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


def _seed(app, count: int) -> tuple[str, int]:
    from checkin.database import utcnow
    from checkin.staff import add_staff, issue_token

    now = utcnow()
    with app.app_context():
        seed.create_shows(now)
        tickets = seed.bulk_tickets(seed.STATS_SHOW, count, now, tag="stats")
        scans = seed.bulk_gate_history(seed.STATS_SHOW, tickets, now)
        add_staff("stats-boss", "organiser", now=now)
        token = issue_token("stats-boss", now=now)
        _analyze(app)
    return token, scans


def _analyze(app) -> None:
    """Fresh planner statistics, as a database that has been running for a while has."""
    from sqlalchemy import text

    from checkin.extensions import db

    if db.engine.dialect.name == "postgresql":
        # Autovacuum would get there soon after a bulk load; index-only scans need its
        # visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def _explain(app) -> None:
    from sqlalchemy import select

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

        from sqlalchemy import event

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


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def _p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]


def measure(name: str, app, calls: int, explain: bool, count: int = TICKETS) -> None:
    started = time.perf_counter()
    token, scans = _seed(app, count)
    seeded = time.perf_counter() - started
    client = app.test_client()
    url = f"/api/v1/shows/{seed.STATS_SHOW}/stats"
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get(url, headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    cpu: list[float] = []
    times = _timed(lambda: client.get(url, headers=headers), calls, cpu)
    baseline = _timed(lambda: client.get("/api/v1/health"), calls)
    body = first.json
    print(
        f"{name}: seeded {count:,} tickets and {scans:,} scans in {seeded:.1f} s; "
        f"stats over {calls} calls: median {statistics.median(times):.1f} ms, p95 {_p95(times):.1f} ms, p99 {_p99(times):.1f} ms, "
        f"max {max(times):.1f} ms, CPU of this process median {statistics.median(cpu):.1f} ms (issued {body['issued']:,}, admitted {body['admitted']:,}, "
        f"inside {body['inside']:,}, {len(body['arrivals'])} arrival buckets); "
        f"baseline GET /api/v1/health median {statistics.median(baseline):.1f} ms, load average "
        f"{os.getloadavg()[0]:.1f} (this machine is shared: compare ratios)"
    )
    if explain:
        _explain(app)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
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
