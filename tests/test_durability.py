"""Nothing acknowledged is lost (invariant 7): the app servers are killed with SIGKILL in the
middle of a registration and scan load, round after round, and afterwards every registration
answered 202 and every scan answered 200 is in the database, with counters equal to rows.

SIGKILL tests that an answer is sent only after its transaction committed, and that a killed
process leaves nothing half-written. It does not cut the power: that is what SQLite's
synchronous=FULL (the default, checkin/database.py) is for, and `make bench` gives its cost.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
import uuid
from datetime import timedelta

import pytest

from tests.bench.server import PostgresDatabase, Server, app_env, flask, request_json
from tests.support import services
from tests.support.databases import PG_URL
from tests.support.factories import make_show, person

ROUNDS = 5
REGISTRANTS = 6
SCANNERS = 3


class Load:
    """Registrations and scans from threads until the server goes away; what was acknowledged."""

    def __init__(self, url: str, token: str, payloads: list[str], numbers):
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.payloads = payloads
        self.numbers = numbers
        self.registered: list[str] = []
        self.scanned: list[tuple[str, str]] = []
        self.server_errors: list[tuple[int, dict]] = []
        self.stop = threading.Event()

    def _answer(self, status, body):
        if status >= 500:
            self.server_errors.append((status, body))

    def register(self):
        while not self.stop.is_set():
            values = person(next(self.numbers))
            try:
                status, body = request_json(
                    f"{self.url}/api/v1/shows/durable/registrations", values, timeout=10
                )
            except (OSError, http.client.HTTPException):
                return  # killed under us (mid-answer: IncompleteRead): never acknowledged
            self._answer(status, body)
            if status == 202:  # the answer names no ticket: the e-mail address does
                self.registered.append(values["email"])

    def scan(self):
        for n in itertools.count():
            if self.stop.is_set() or not self.payloads:
                return
            scan_id = uuid.uuid4().hex
            body = {
                "payload": self.payloads[n % len(self.payloads)],
                "show": "durable",
                "gate": f"Cổng {n % 3}",
                "direction": "in",
                "client_scan_id": scan_id,
            }
            try:
                status, answer = request_json(
                    f"{self.url}/api/v1/scans", body, headers=self.headers, timeout=10
                )
            except (OSError, http.client.HTTPException):
                return
            self._answer(status, answer)
            if status == 200:
                self.scanned.append((scan_id, answer["result"]))

    def run(self, seconds: float, kill) -> None:
        threads = [threading.Thread(target=self.register) for _ in range(REGISTRANTS)]
        threads += [threading.Thread(target=self.scan) for _ in range(SCANNERS)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        kill()
        self.stop.set()
        for thread in threads:
            thread.join(timeout=30)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/instance/checkin.db"
        return
    if not PG_URL:
        services.missing("PostgreSQL: set CHECKIN_TEST_DATABASE_URL (CI does)")
    with PostgresDatabase(PG_URL, prefix="checkin_durable") as pg:
        yield pg.uri


@pytest.mark.slow
def _codes(app, emails: list[str]) -> list[str]:
    """The codes of the tickets held by these addresses (the registration answer names none)."""
    from sqlalchemy import select

    from checkin.extensions import db
    from checkin.models import Ticket

    with app.app_context():
        codes = list(db.session.scalars(select(Ticket.code).where(Ticket.email.in_(emails))))
        db.session.remove()
    return codes


def test_acknowledged_writes_survive_sigkill_of_the_servers(database, tmp_path):
    from sqlalchemy import func, select

    from checkin import create_app
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket
    from checkin.tickets import sign_payload

    env = app_env(tmp_path / "instance", database, CHECKIN_RATELIMIT_ENABLED="false")
    flask(env, "db", "upgrade")
    flask(env, "staff", "add", "durable-gate", "--role", "volunteer")
    token = flask(env, "staff", "token", "durable-gate").strip()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["CHECKIN_SQLALCHEMY_DATABASE_URI"],
            "INSTANCE_PATH": env["CHECKIN_INSTANCE_PATH"],
            "SECRET_KEY": env["CHECKIN_SECRET_KEY"],
        }
    )
    now = utcnow()
    make_show(app, "durable", quota=100_000, capacity=100_000, doors_open_at=now - timedelta(hours=1))
    keyring = app.extensions["checkin_keyring"]
    numbers = itertools.count()
    registered, scanned, server_errors = [], [], []
    scans_api = None
    for round_ in range(ROUNDS):
        server = Server(env, workers=2, threads=4, log=tmp_path / "gunicorn.log").start()
        if scans_api is None:
            probe, _ = request_json(
                f"{server.url}/api/v1/scans", {}, headers={"Authorization": f"Bearer {token}"}
            )
            scans_api = probe != 404
        # Scanners work on the tickets of earlier rounds, twice each at most, while new ones come.
        payloads = (
            [sign_payload(code, keyring) for code in _codes(app, registered[-200:])] if scans_api else []
        )
        load = Load(server.url, token, payloads, numbers)
        load.run(0.8 + 0.3 * round_, server.kill)
        registered += load.registered
        scanned += load.scanned
        server_errors += load.server_errors
    assert not server_errors
    assert len(registered) >= 5 * ROUNDS, "too little load to prove anything"
    if scans_api:
        assert len(scanned) >= ROUNDS, "too few scans to prove anything"
    with app.app_context():
        session = db.session
        show = session.scalar(select(Show).where(Show.slug == "durable"))
        found = set(
            session.scalars(
                select(Ticket.email).where(Ticket.email.in_(registered), Ticket.status == "issued")
            )
        )
        assert found == set(registered)
        issued = session.scalar(
            select(func.count()).where(Ticket.show_id == show.id, Ticket.status == "issued")
        )
        assert show.issued_count == issued
        stored = dict(
            session.execute(
                select(Scan.client_scan_id, Scan.result).where(
                    Scan.client_scan_id.in_([s for s, _ in scanned])
                )
            ).all()
        )
        assert stored == dict(scanned)
        twice = session.scalar(
            select(func.count()).select_from(
                select(Scan.ticket_id)
                .where(Scan.result == "admitted")
                .group_by(Scan.ticket_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        assert twice == 0
        inside = session.scalar(
            select(func.count()).where(Ticket.show_id == show.id, Ticket.inside.is_(True))
        )
        assert show.inside_count == inside
        db.session.remove()
        db.engine.dispose()
    # After the last kill the app starts again on the same database and serves.
    with Server(env, workers=1, threads=2, log=tmp_path / "gunicorn.log") as server:
        status, body = request_json(f"{server.url}/api/v1/shows/durable/registrations", person(next(numbers)))
        assert status == 202, body
