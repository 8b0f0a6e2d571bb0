"""Benchmark of the gate's hot path: POST /api/v1/scans while 50 scanners send at once.

Runs standalone (it is not part of `make test`):

    .venv/bin/python tests/bench/scan_latency.py [--clients 50] [--tickets 1500] [--database sqlite|postgresql]

It migrates a fresh database in a temporary instance folder, issues the tickets, starts
gunicorn (gunicorn.conf.py) on 127.0.0.1, and has each client thread scan over one keep-alive
connection: every ticket once (admitted), then every ticket again (already_inside), so half
the requests take a seat and half are refused. Server time is gunicorn's own measure of each
request (%(D)s in its access log); the round trip seen by the clients is printed beside it.
The clients share the machine's cores with the server, so both are upper bounds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.server import (  # noqa: E402
    DEFAULT_PG_URL,
    PostgresDatabase,
    Server,
    app_env,
    flask,
    postgres_reachable,
)

TIME_LIMIT_S = 300
SHOW, GATE = "bench", "Cổng A"


def prepare(env: dict, tickets: int) -> tuple[list[str], str]:
    """Issues the tickets through the domain; returns their signed payloads and a staff token."""
    from checkin import tickets as ticket_codes
    from checkin.database import utcnow
    from checkin.registration import register
    from checkin.staff import add_staff, issue_token
    from tests.bench import seed
    from tests.bench.run import app_for

    app = app_for(env)
    now = utcnow()
    with app.app_context():
        seed.doors_open_show(SHOW, GATE, tickets, now, registration_open=True)
        keyring = app.extensions["checkin_keyring"]
        payloads = []
        for i in range(tickets):
            registration = register(
                SHOW,
                {
                    "name": f"Người đo {i}",
                    "email": f"bench{i}@example.com",
                    "phone": f"0912{i:06d}",
                    "birth_year": 2003,
                    "consent": True,
                },
                now=now,
            )
            payloads.append(ticket_codes.sign_payload(registration.code, keyring))
        add_staff("bench-volunteer", "volunteer", now=now)
        token = issue_token("bench-volunteer", now=now)
    return payloads, token


def client(port: int, token: str, work: queue.Queue, timings: list, results: list, deadline: float) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    while time.monotonic() < deadline:
        try:
            text = work.get_nowait()
        except queue.Empty:
            break
        body = json.dumps(
            {
                "payload": text,
                "show": SHOW,
                "gate": GATE,
                "direction": "in",
                "client_scan_id": uuid.uuid4().hex,
            }
        )
        started = time.perf_counter()
        connection.request("POST", "/api/v1/scans", body=body, headers=headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        timings.append(time.perf_counter() - started)
        results.append(answer.get("result", response.status))
    connection.close()


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    cut = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {cut[49]:.1f} ms, p90 {cut[89]:.1f} ms, p99 {cut[98]:.1f} ms, max {values[-1]:.1f} ms"


def run(database_uri: str, instance: Path, clients: int, tickets: int) -> None:
    access_log = instance / "access.log"
    env = app_env(
        instance,
        database_uri,
        CHECKIN_RATELIMIT_ENABLED="false",
        GUNICORN_CMD_ARGS=f"--access-logfile {access_log} --access-logformat '%(D)s %(s)s %(m)s %(U)s'",
    )
    flask(env, "db", "upgrade")
    payloads, token = prepare(env, tickets)
    work: queue.Queue = queue.Queue()
    for text in payloads + payloads:
        work.put(text)
    timings: list[float] = []
    results: list = []
    with Server(env, log=instance / "gunicorn.log") as server:
        deadline = time.monotonic() + TIME_LIMIT_S
        threads = [
            threading.Thread(target=client, args=(server.port, token, work, timings, results, deadline))
            for _ in range(clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    server_ms = [
        int(line.split()[0]) / 1000
        for line in access_log.read_text().splitlines()
        if line.endswith(" POST /api/v1/scans")
    ]
    counts = {r: results.count(r) for r in sorted(set(map(str, results)))}
    print(
        f"{len(results)} scans by {clients} concurrent clients in {elapsed:.1f} s "
        f"({len(results) / elapsed:.0f} scans/s); results: {counts}"
    )
    print(f"  server time (gunicorn %(D)s): {percentiles(server_ms)}")
    print(f"  client round trip:            {percentiles([t * 1000 for t in timings])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=1500)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="checkin-scan-bench-") as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        print(
            f"POST /api/v1/scans on {args.database}, gunicorn.conf.py (workers {os.cpu_count() * 2}, gthread)"
        )
        if args.database == "sqlite":
            run(f"sqlite:///{instance / 'bench.db'}", instance, args.clients, args.tickets)
            return
        url = os.environ.get("CHECKIN_TEST_DATABASE_URL", DEFAULT_PG_URL)
        if not postgres_reachable(url):
            sys.exit(f"PostgreSQL is not reachable at {url}")
        with PostgresDatabase(url, prefix="checkin_scan_bench") as database:
            from checkin.config import database_uri

            run(database_uri(database.uri), instance, args.clients, args.tickets)


if __name__ == "__main__":
    main()
