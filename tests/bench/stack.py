"""`make bench-stack`: registrations per second over HTTPS through the production stack
(tests/support/stack.py: deploy/'s Caddyfile and units, PostgreSQL, Redis), Caddy balancing over
two app servers against Caddy in front of one of them (rate limits counted in Redis as
deployed), in the same run, phases alternated so
that the machine's noise falls on both; plus one server without the proxy, for what TLS and the
hop cost. Not part of `make test`.

    python -m tests.bench.stack [--duration 5] [--clients 50] [--workers 2] [--threads 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from tests.bench import seed
from tests.bench.run import RESULTS, Bench, app_for, fmt
from tests.bench.server import DEFAULT_PG_URL, ROOT, PostgresDatabase, free_port, postgres_reachable
from tests.support.stack import Stack

SCENARIOS = (("register_json", "registration JSON"), ("register_form", "registration form+CSRF"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds a phase")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="per app server")
    parser.add_argument("--threads", type=int, default=8, help="per worker")
    parser.add_argument("--rounds", type=int, default=2, help="times each target is measured, alternately")
    args = parser.parse_args(argv)
    args.only = ()
    pg_url = os.environ.get("CHECKIN_TEST_DATABASE_URL") or DEFAULT_PG_URL
    redis_url = os.environ.get("CHECKIN_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    if not postgres_reachable(pg_url):
        print(f"PostgreSQL not reachable at {pg_url}", file=sys.stderr)
        return 1
    started, clock = datetime.now(UTC), time.perf_counter()
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with (
        tempfile.TemporaryDirectory(prefix="checkin-bench-stack-") as tmp,
        PostgresDatabase(pg_url, prefix="checkin_bench_stack") as database,
    ):
        bench = Bench(args, Path(tmp))
        stack = Stack(
            Path(tmp) / "stack",
            database_uri=database.uri,
            redis_url=redis_url,
            secret_key=secrets.token_hex(32),
            workers=args.workers,
            threads=args.threads,
            mail_worker=False,
            # Rate limits on, in Redis, as deployed; the one client machine never reaches them.
            settings={"CHECKIN_REGISTRATION_RATE_LIMIT": "1000000 per minute"},
        )
        with stack:
            from checkin.database import utcnow
            from checkin.extensions import db

            app = app_for(stack.settings_of("checkin-migrate.service"))
            with app.app_context():
                seed.create_shows(utcnow())
                db.session.remove()
                db.engine.dispose()
            targets = {
                "proxy → 2 servers": SimpleNamespace(url=stack.url),
                "proxy → 1 server": SimpleNamespace(url=stack.proxy(stack.servers[:1], free_port())),
                "1 server, no proxy (HTTP)": stack.servers[0],
            }
            data = {"show": seed.REGISTRATION_SHOW}
            for round_ in range(args.rounds):
                print(f"\n== round {round_ + 1} ==", flush=True)
                for name, target in targets.items():
                    base = bench.record(
                        "stack", f"{name}: health", bench.load(target, "health", args.clients), None
                    )
                    for scenario, label in SCENARIOS:
                        bench.record(
                            "stack",
                            f"{name}: {label}",
                            bench.load(target, scenario, args.clients, data=data),
                            base,
                        )
    report = table(bench, args, targets, started, time.perf_counter() - clock, loadavg)
    print("\n" + report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{started:%Y-%m-%d-%H%M}-stack.md"
    path.write_text(report)
    print(f"written to {path.relative_to(ROOT)}")
    return 1 if bench.failures else 0


def table(bench: Bench, args, targets: dict, started: datetime, seconds: float, loadavg: str) -> str:
    lines = [
        f"# checkin production stack benchmark, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- machine: {os.cpu_count()} cores; load average at start {loadavg}; whole run {seconds:.0f} s",
        f"- stack: Caddy (deploy/Caddyfile) over HTTPS, app servers of deploy/checkin-web@.service with "
        f"{args.workers} workers × {args.threads} threads each, one PostgreSQL, rate limits counted in Redis",
        f"- load: tests/bench/load.py, {args.clients} clients, {args.duration:g} s a phase after 1 s of "
        f"warm-up, {args.rounds} rounds alternating the targets",
        "",
        "| target | scenario | per s (each round) | mean per s | p50 ms (worst round) | p99 ms (worst round) | answers |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    means = {}
    for name in targets:
        for label in ["health", *(label for _, label in SCENARIOS)]:
            rows = [r for r in bench.rows if r["label"] == f"{name}: {label}"]
            rates = [r["per_second"] for r in rows]
            means[(name, label)] = sum(rates) / len(rates)
            answers = {}
            for r in rows:
                for k, v in r["statuses"].items():
                    answers[k] = answers.get(k, 0) + v
            lines.append(
                f"| {name} | {label} | {' / '.join(fmt(x, 1) for x in rates)} | "
                f"{fmt(means[(name, label)], 1)} | {fmt(max(r['p50'] or 0 for r in rows), 1)} | "
                f"{fmt(max(r['p99'] or 0 for r in rows), 1)} | "
                f"{', '.join(f'{k}: {v}' for k, v in sorted(answers.items()))} |"
            )
    lines += ["", "Two servers against one, through the proxy (mean per s):"]
    for _, label in SCENARIOS:
        two, one = means[("proxy → 2 servers", label)], means[("proxy → 1 server", label)]
        lines.append(f"- {label}: {two:.1f}/s vs {one:.1f}/s → ×{two / one:.2f}")
    lines += [
        "",
        "Correctness: "
        + (
            "FAILED\n" + "\n".join(f"- {f}" for f in bench.failures)
            if bench.failures
            else "no 5xx, no client error"
        ),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
