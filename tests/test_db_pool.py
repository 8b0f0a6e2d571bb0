"""The PostgreSQL pool is sized from the threads that share it (issue 12): one connection per
gunicorn thread plus a small overflow, never the driver's default of 15 per process."""

from __future__ import annotations

import threading
import time

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
