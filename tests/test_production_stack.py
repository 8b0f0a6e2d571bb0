"""Production mode (README, "Production"): two gunicorn instances on two ports, as two app
machines behind a load balancer, sharing one PostgreSQL and one Redis. Races for the last seats
and for the same tickets go across both servers; the registration rate limit counts requests
to both. Also: the client address behind a proxy is trusted only when configured."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import timedelta

import pytest

from tests.bench.server import PostgresDatabase, Server, app_env, flask, request_json
from tests.support import services
from tests.support.databases import PG_URL
from tests.support.factories import make_show, person

SEATS = 12
RACERS = 40


def _forwarded(i: int) -> dict:
    """A distinct client behind the TLS proxy (the servers trust one proxy hop)."""
    return {"X-Forwarded-For": f"10.6.{i // 250}.{i % 250 + 1}"}


def _race(calls) -> list:
    """Runs the calls at once from threads released together; their results in order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i):
        barrier.wait(timeout=30)
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One PostgreSQL database and one Redis key prefix of this test's own; two app servers
    with the same secret key; the signing keys are the database's, nothing is copied."""
    if not PG_URL:
        services.missing("PostgreSQL: set CHECKIN_TEST_DATABASE_URL (CI does)")
    redis_url = services.redis_url()
    import redis

    prefix = f"checkin-test-{uuid.uuid4().hex[:8]}"
    root = tmp_path_factory.mktemp("production")
    settings = {
        "CHECKIN_RATELIMIT_STORAGE_URI": redis_url,
        "CHECKIN_RATELIMIT_KEY_PREFIX": prefix,
        "CHECKIN_REGISTRATION_RATE_LIMIT": "5 per minute",
        "CHECKIN_TRUSTED_PROXY_COUNT": "1",
        "CHECKIN_SECRET_KEY": "production-stack-test",
    }
    with PostgresDatabase(PG_URL, prefix="checkin_prod") as database:
        env_a = app_env(root / "a", database.uri, **settings)
        flask(env_a, "db", "upgrade")
        flask(env_a, "staff", "add", "gate-volunteer", "--role", "volunteer")
        env_b = app_env(root / "b", database.uri, **settings)
        token = flask(env_a, "staff", "token", "gate-volunteer").strip()
        from checkin import create_app

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database.uri,
                "INSTANCE_PATH": str(root / "a"),
                "SECRET_KEY": "production-stack-test",
            }
        )
        try:
            with (
                Server(env_a, workers=2, threads=4, log=root / "a.log") as a,
                Server(env_b, workers=2, threads=4, log=root / "b.log") as b,
            ):
                yield {"app": app, "servers": (a, b), "token": token, "redis": redis_url, "prefix": prefix}
        finally:
            from checkin.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)
            client.close()


@pytest.mark.slow
def _code_of(app, email: str) -> str:
    """The ticket's code, as its e-mail carries it (the registration answer names none)."""
    from sqlalchemy import select

    from checkin.extensions import db
    from checkin.models import Ticket

    with app.app_context():
        code = db.session.scalar(select(Ticket.code).where(Ticket.email == email))
        db.session.remove()
    return code


def test_last_seats_race_across_two_servers_never_oversells(stack):
    from sqlalchemy import func, select

    from checkin.extensions import db
    from checkin.models import Show, Ticket

    make_show(stack["app"], "last-seats", quota=SEATS, capacity=SEATS)
    servers = stack["servers"]
    for server in servers * 8:  # every worker up and connected, so that both servers race
        assert request_json(f"{server.url}/api/v1/shows")[0] == 200

    def register(i):
        url = f"{servers[i % 2].url}/api/v1/shows/last-seats/registrations"
        return request_json(url, person(i), headers=_forwarded(i))

    answers = _race([lambda i=i: register(i) for i in range(RACERS)])
    statuses = [status for status, _ in answers]
    assert statuses.count(202) == SEATS, statuses
    assert statuses.count(409) == RACERS - SEATS, statuses
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"full"}
    with stack["app"].app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "last-seats"))
        issued = db.session.scalar(
            select(func.count()).where(Ticket.show_id == show.id, Ticket.status == "issued")
        )
        assert show.issued_count == issued == SEATS


@pytest.mark.slow
def test_scans_of_the_same_tickets_on_two_servers_admit_each_once(stack):
    from sqlalchemy import func, select, update

    from checkin.database import transaction, utcnow
    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket
    from checkin.tickets import sign_payload

    make_show(stack["app"], "doors", quota=50, capacity=50)
    a, b = stack["servers"]
    codes = []
    for i in range(10):
        status, body = request_json(
            f"{a.url}/api/v1/shows/doors/registrations", person(100 + i), headers=_forwarded(1000 + i)
        )
        assert status == 202, body
        codes.append(_code_of(stack["app"], person(100 + i)["email"]))
    with stack["app"].app_context():
        with transaction() as session:  # the doors open
            session.execute(
                update(Show).where(Show.slug == "doors").values(doors_open_at=utcnow() - timedelta(minutes=5))
            )
        keyring = stack["app"].extensions["checkin_keyring"]
        payloads = [sign_payload(code, keyring) for code in codes]
    headers = {"Authorization": f"Bearer {stack['token']}"}

    def scan(server, payload, gate):
        body = {
            "payload": payload,
            "show": "doors",
            "gate": gate,
            "direction": "in",
            "client_scan_id": uuid.uuid4().hex,
        }
        return request_json(f"{server.url}/api/v1/scans", body, headers=headers)

    probe, answer = scan(a, "not a ticket", "Cổng A")
    assert probe == 200 and answer["result"] == "invalid", (probe, answer)
    calls = []
    for payload in payloads:
        calls += [lambda p=payload: scan(a, p, "Cổng A"), lambda p=payload: scan(b, p, "Cổng B")]
    answers = _race(calls)
    assert all(status == 200 for status, _ in answers), answers
    for k in range(len(payloads)):
        pair = sorted(body["result"] for _, body in answers[2 * k : 2 * k + 2])
        assert pair == ["admitted", "already_inside"], pair
    with stack["app"].app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "doors"))
        admitted = db.session.execute(
            select(Scan.ticket_id, func.count())
            .where(Scan.show_id == show.id, Scan.result == "admitted")
            .group_by(Scan.ticket_id)
        ).all()
        assert len(admitted) == len(codes) and all(n == 1 for _, n in admitted)
        inside = db.session.scalar(
            select(func.count()).where(Ticket.show_id == show.id, Ticket.inside.is_(True))
        )
        assert show.inside_count == inside == len(codes)


@pytest.mark.slow
def test_a_mixed_surge_on_two_servers_neither_oversells_nor_admits_twice(stack):
    """Issue 20: registrations for a show's last seats and two gates scanning its tickets, all at
    once and across both servers, now that the show's row is locked only for its counters'
    UPDATEs and the commit: no ticket above the quota, nobody admitted twice, nobody inside
    above the venue's capacity, and both counters equal to the rows."""
    from sqlalchemy import func, select

    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket
    from checkin.tickets import sign_payload
    from tests.support.gate import open_show

    held, free, capacity = 12, 6, 8
    open_show(stack["app"], "surge", quota=held + free, capacity=capacity)
    a, b = stack["servers"]
    for i in range(held):
        status, body = request_json(
            f"{a.url}/api/v1/shows/surge/registrations", person(400 + i), headers=_forwarded(2000 + i)
        )
        assert status == 202, body
    with stack["app"].app_context():
        keyring = stack["app"].extensions["checkin_keyring"]
        payloads = [
            sign_payload(_code_of(stack["app"], person(400 + i)["email"]), keyring) for i in range(held)
        ]
    headers = {"Authorization": f"Bearer {stack['token']}"}

    def scan(server, payload, gate):
        body = {
            "payload": payload,
            "show": "surge",
            "gate": gate,
            "direction": "in",
            "client_scan_id": uuid.uuid4().hex,
        }
        return request_json(f"{server.url}/api/v1/scans", body, headers=headers)

    def register(i):
        return request_json(
            f"{(a, b)[i % 2].url}/api/v1/shows/surge/registrations",
            person(500 + i),
            headers=_forwarded(3000 + i),
        )

    calls = [lambda i=i: register(i) for i in range(2 * free)]
    for payload in payloads:
        calls += [lambda p=payload: scan(a, p, "Cổng A"), lambda p=payload: scan(b, p, "Cổng B")]
    answers = _race(calls)
    registrations, scans = answers[: 2 * free], answers[2 * free :]
    assert sorted(status for status, _ in registrations) == [202] * free + [409] * free, registrations
    assert all(status == 200 for status, _ in scans), scans
    results = [body["result"] for _, body in scans]
    assert results.count("admitted") == capacity, results
    assert set(results) <= {"admitted", "already_inside", "venue_full"}, results
    with stack["app"].app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "surge"))
        issued = db.session.scalar(
            select(func.count()).where(Ticket.show_id == show.id, Ticket.status == "issued")
        )
        assert show.issued_count == issued == held + free
        admitted = db.session.execute(
            select(Scan.ticket_id, func.count())
            .where(Scan.show_id == show.id, Scan.result == "admitted")
            .group_by(Scan.ticket_id)
        ).all()
        assert len(admitted) == capacity and all(n == 1 for _, n in admitted)
        inside = db.session.scalar(
            select(func.count()).where(Ticket.show_id == show.id, Ticket.inside.is_(True))
        )
        assert show.inside_count == inside == capacity
        db.session.remove()


@pytest.mark.slow
def test_registration_rate_limit_counts_across_both_servers(stack):
    make_show(stack["app"], "limited", quota=100, capacity=100)
    servers = stack["servers"]
    same_client = _forwarded(5000)
    statuses = []
    for i in range(6):
        url = f"{servers[i % 2].url}/api/v1/shows/limited/registrations"
        status, body = request_json(url, person(200 + i), headers=same_client)
        statuses.append(status)
    assert statuses[:5] == [202] * 5 and statuses[5] == 429, statuses
    assert body["error"]["code"] == "rate_limited"
    # Another client behind the same proxy has its own allowance.
    status, _ = request_json(
        f"{servers[0].url}/api/v1/shows/limited/registrations", person(300), headers=_forwarded(5001)
    )
    assert status == 202


@pytest.mark.parametrize("trusted, expected", [(0, [202, 202, 429]), (1, [202, 202, 202])])
def test_forwarded_client_address_counts_only_behind_a_configured_proxy(app_config, trusted, expected):
    """X-Forwarded-For names the client only when a proxy is configured: otherwise anyone could
    dodge the limit by making the header up."""
    from checkin import create_app

    app = create_app(
        dict(
            app_config,
            RATELIMIT_ENABLED=True,
            REGISTRATION_RATE_LIMIT="2 per minute",
            TRUSTED_PROXY_COUNT=trusted,
        )
    )
    make_show(app, "proxied", quota=10, capacity=10)
    client = app.test_client()
    statuses = [
        client.post(
            "/api/v1/shows/proxied/registrations",
            json=person(i),
            headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
        ).status_code
        for i in range(3)
    ]
    assert statuses == expected
    from checkin.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_rate_limit_storage_comes_from_the_environment(monkeypatch, tmp_path):
    from checkin import create_app
    from checkin.extensions import limiter

    monkeypatch.setenv("CHECKIN_RATELIMIT_STORAGE_URI", "memory://")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    url = os.environ.get("CHECKIN_TEST_REDIS_URL")
    if url:
        monkeypatch.setenv("CHECKIN_RATELIMIT_STORAGE_URI", url)
        app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
        with app.app_context():
            assert type(limiter.storage).__name__ == "RedisStorage"
            assert limiter.storage.check()
