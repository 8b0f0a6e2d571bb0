"""Measures the ticket page: the time to render GET /t/<token> (signature, QR, template) beside
GET / (the festival page) in the same run, and the QR's size. Not part of `make test`:

    .venv/bin/python -m tests.bench.ticket_page [--requests 200] [--postgresql URL]

With --postgresql (a server URL such as postgresql://postgres@127.0.0.1:5432/test) it runs in a
database of its own, created and dropped on that server; otherwise in a new SQLite file.

In-process through Flask's test client, so it is the server's own work without the network.
The two pages are requested alternately so that the shared machine's noise falls on both.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from PIL import Image


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def own_postgres_database(server_url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    from checkin.config import database_uri

    name = f"checkin_bench_ticket_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_uri(make_url(server_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_app(instance: Path, database_url: str | None):
    from flask_migrate import upgrade

    from checkin import create_app
    from checkin.database import utcnow
    from checkin.shows import seed_festival

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance / 'bench.db'}",
            "INSTANCE_PATH": str(instance),
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context():
        upgrade()
        seed_festival(utcnow())
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgresql", metavar="SERVER_URL", help="run on PostgreSQL (default: SQLite)")
    args = parser.parse_args()
    if args.postgresql:
        with own_postgres_database(args.postgresql) as url:
            measure(args, url)
    else:
        measure(args, None)


def measure(args, database_url: str | None) -> None:

    from checkin import tickets

    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder), database_url)
        client = app.test_client()
        response = client.post(
            "/api/v1/shows/gala/registrations",
            json={
                "name": "Nguyễn Văn Bench",
                "email": "bench@example.com",
                "phone": "0912 345 678",
                "birth_year": 2004,
                "consent": True,
            },
        )
        assert response.status_code == 202, response.json
        with app.app_context():  # the link the e-mail carries; the first visit confirms
            from sqlalchemy import select

            from checkin.extensions import db
            from checkin.models import Ticket

            token = db.session.scalar(select(Ticket.token).where(Ticket.email == "bench@example.com"))
            db.session.remove()
        paths = {"ticket": f"/t/{token}", "index": "/"}
        times: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(20):  # warm-up: templates compiled, connections open
            for path in paths.values():
                client.get(path)
        times["ticket_first_view"] = []
        for _ in range(args.requests):
            for name, path in [*paths.items(), ("ticket_first_view", paths["ticket"])]:
                if name == "ticket_first_view":  # as if this ticket's QR had never been drawn
                    tickets.qr_svg.cache_clear()
                started = time.perf_counter()
                status = client.get(path).status_code
                times[name].append((time.perf_counter() - started) * 1000)
                assert status == 200, (path, status)

        payload = client.get(f"/t/{token}/qr.png")
        png = payload.data
        svg = client.get(f"/t/{token}/qr.svg").data
        with app.app_context():
            from checkin.extensions import db
            from checkin.registration import ticket_by_token

            text = tickets.sign_payload(
                ticket_by_token(db.session, token).code, app.extensions["checkin_keyring"]
            )
            version = tickets.qr_version(text)
            page_bytes = len(client.get(paths["ticket"]).data)
            db.engine.dispose()

    modules = 17 + 4 * version
    print(f"database: {'PostgreSQL' if database_url else 'SQLite file'}; {args.requests} requests each")
    print(
        f"QR: version {version} ({modules}x{modules} modules), error correction M, payload {len(text)} chars"
    )
    print(
        f"    PNG {len(png)} bytes ({Image.open(io.BytesIO(png)).size[0]} px square), SVG {len(svg)} bytes; "
        f"ticket page {page_bytes} bytes"
    )
    medians = {}
    for name, values in times.items():
        medians[name] = statistics.median(values)
        label = {
            "ticket": "/t/<token> (repeat view)",
            "ticket_first_view": "/t/<token> (first view)",
            "index": "/",
        }[name]
        print(
            f"GET {label:26} median {medians[name]:6.2f} ms   "
            f"p95 {percentile(values, 0.95):6.2f} ms   max {max(values):6.2f} ms"
        )
    print(
        f"ticket page / festival page (medians): first view {medians['ticket_first_view'] / medians['index']:.2f}, "
        f"repeat view {medians['ticket'] / medians['index']:.2f}"
    )


if __name__ == "__main__":
    main()
