"""The PostgreSQL pool is sized from the threads that share it (issue 12): one connection per
gunicorn thread plus a small overflow, never the driver's default of 15 per process."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.support import services
from tests.support.databases import PG_URL


def test_the_pool_follows_the_thread_count(tmp_path, monkeypatch):
    from checkin import create_app

    monkeypatch.setenv("CHECKIN_THREADS", "3")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:9/none",
            "SECRET_KEY": "s",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"]) == (3, 2)
    assert options["connect_args"]["connect_timeout"] == 5


def test_busy_threads_never_open_more_connections_than_the_pool_allows(pg_database, tmp_path):
    if not pg_database:
        services.missing("PostgreSQL: set CHECKIN_TEST_DATABASE_URL (CI does)")
    from checkin import create_app
    from checkin.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": pg_database,
            "SECRET_KEY": "s",
            "THREADS": 3,
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    database = make_url(pg_database).database
    peak = []
    stop = threading.Event()

    def watch():
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            while not stop.is_set():
                peak.append(
                    conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
                    ).fetchone()[0]
                )
                time.sleep(0.02)

    def busy():
        with app.app_context():
            db.session.execute(text("SELECT pg_sleep(0.2)"))
            db.session.remove()

    watcher = threading.Thread(target=watch)
    watcher.start()
    workers = [threading.Thread(target=busy) for _ in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    stop.set()
    watcher.join(timeout=10)
    with app.app_context():
        db.engine.dispose()
    assert 3 <= max(peak) <= 5  # pool_size 3 + max_overflow 2


def _pool_app(pg_database, tmp_path, idle_seconds):
    from checkin import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": pg_database,
            "SECRET_KEY": "s",
            "THREADS": 1,
            "INSTANCE_PATH": str(tmp_path),
            "DB_PING_AFTER_IDLE_SECONDS": idle_seconds,
        }
    )


def _one(app):
    from checkin.extensions import db

    with app.app_context():
        try:
            return db.session.execute(text("SELECT 1")).scalar()
        finally:
            db.session.remove()


def _drop_the_app_connections(database):
    """What a server restart or a proxy's idle timeout does to the pool's idle connections."""
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )
    time.sleep(0.2)


def test_a_connection_dropped_while_idle_is_replaced_before_a_request_sees_it(pg_database, tmp_path):
    """Issue 20: no ping at every checkout (one round trip a request), but a connection idle
    past the threshold is pinged, and a dead one replaced; the control, with a threshold never
    reached, shows the request would have failed."""
    if not pg_database:
        services.missing("PostgreSQL: set CHECKIN_TEST_DATABASE_URL (CI does)")
    from sqlalchemy.exc import OperationalError

    from checkin.extensions import db

    database = make_url(pg_database).database
    pinged = _pool_app(pg_database, tmp_path / "pinged", 0)
    control = _pool_app(pg_database, tmp_path / "control", 3600)
    try:
        assert _one(pinged) == 1 and _one(control) == 1
        _drop_the_app_connections(database)
        assert _one(pinged) == 1
        with pytest.raises(OperationalError):
            _one(control)
    finally:
        for app in (pinged, control):
            with app.app_context():
                db.engine.dispose()


def test_a_connection_back_within_the_threshold_is_not_pinged(pg_database, tmp_path, monkeypatch):
    if not pg_database:
        services.missing("PostgreSQL: set CHECKIN_TEST_DATABASE_URL (CI does)")
    from checkin.extensions import db

    pings = []
    busy = _pool_app(pg_database, tmp_path / "busy", 3600)
    idle = _pool_app(pg_database, tmp_path / "idle", 0)
    try:
        for app in (busy, idle):
            with app.app_context():
                dialect = db.engine.dialect
            ping = dialect.do_ping
            monkeypatch.setattr(
                dialect, "do_ping", lambda conn, app=app, ping=ping: pings.append(app) or ping(conn)
            )
            for _ in range(3):
                assert _one(app) == 1
        assert pings.count(busy) == 0 and pings.count(idle) == 2
    finally:
        for app in (busy, idle):
            with app.app_context():
                db.engine.dispose()
