"""What one QR scan at the gate costs, in-process (Flask's test client, one thread): the app's
CPU per scan, on PostgreSQL the server's CPU too (its backends' utime + stime, read from /proc,
so only where the server runs on this machine), and the round trips of each kind of scan
(BEGIN and COMMIT counted; the pool's ping on checkout is not a statement and is not).

    python -m tests.bench.scan_trips postgresql|sqlite [--scans N] [--log]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import event

from tests.bench import seed
from tests.bench.load import GATES
from tests.bench.server import DEFAULT_PG_URL, PostgresDatabase, app_env


@contextlib.contextmanager
def _database(backend: str):
    if backend == "postgresql":
        with PostgresDatabase(DEFAULT_PG_URL) as database:
            yield database.uri
    else:
        yield f"sqlite:///{tempfile.mkdtemp()}/bench.db"


def _server_cpu_ms(uri: str) -> float:
    """CPU time of the PostgreSQL backends serving this database (0 for SQLite)."""
    if not uri.startswith("postgresql"):
        return 0.0
    import psycopg

    name = uri.rsplit("/", 1)[1]
    with psycopg.connect(DEFAULT_PG_URL, autocommit=True) as conn:
        pids = [
            row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))
        ]
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("backend", choices=("postgresql", "sqlite"))
    parser.add_argument("--scans", type=int, default=600)
    parser.add_argument("--log", action="store_true", help="print each kind of scan's statements")
    args = parser.parse_args()
    n = args.scans
    with _database(args.backend) as uri:
        env = app_env(Path(tempfile.mkdtemp()), uri)
        from checkin.extensions import db
        from tests.bench.run import gate_app

        app, token, signed = gate_app(env, "g1", 4 * n + 100, "x")
        payloads = iter(signed)
        with app.app_context():
            engine = db.engine
        log: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda c, cu, statement, *a: log.append(statement))
        event.listen(engine, "begin", lambda c: log.append("BEGIN"))
        event.listen(engine, "commit", lambda c: log.append("COMMIT"))
        client = app.test_client()

        def scan(payload: str | None = None, direction: str = "in") -> str:
            answer = client.post(
                "/api/v1/scans",
                json={
                    "payload": payload or next(payloads),
                    "show": seed.GATE_SHOW,
                    "gate": GATES[0],
                    "direction": direction,
                    "client_scan_id": uuid.uuid4().hex,
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 200, answer.json
            return str(answer.json["result"])

        for _ in range(50):
            scan()
        app_cpu, server_cpu = [], []
        for _ in range(3):
            log.clear()
            server_before, started = _server_cpu_ms(uri), time.process_time()
            for _ in range(n):
                scan()
            app_cpu.append((time.process_time() - started) * 1000 / n)
            server_cpu.append((_server_cpu_ms(uri) - server_before) / n)
        trips = len(log) / n
        print(
            f"{args.backend}: app CPU {statistics.median(app_cpu):.3f} ms/scan (runs: "
            + ", ".join(f"{c:.3f}" for c in app_cpu)
            + f"), server CPU {statistics.median(server_cpu):.3f} ms/scan, {trips:.2f} round trips per entry"
        )
        again = next(payloads)
        for label, payload, direction in (
            ("entry", again, "in"),
            ("refusal", again, "in"),
            ("exit", again, "out"),
        ):
            log.clear()
            result = scan(payload, direction)
            print(f"  {label} ({result}): {len(log)} round trips")
            if args.log:
                for statement in log:
                    print("     ", " ".join(statement.split())[:110])
        engine.dispose()


if __name__ == "__main__":
    main()
