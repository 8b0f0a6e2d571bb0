"""Fixtures: an app per test on a fresh database, SQLite always and PostgreSQL when
CHECKIN_TEST_DATABASE_URL is set (CI sets it: .ci/run). Every test that takes `app` runs on both.

The schema comes from the migrations, applied once per run into a template; each test then
gets a copy (SQLite) or emptied tables (PostgreSQL, in a database of this run's own).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support import services
from tests.support.databases import PG_URL, empty_pg, migrate

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    migrate(f"sqlite:///{path}", folder / "instance")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def pg_database():
    """A database of this test run's own, so parallel runs on one server never meet."""
    if not PG_URL:
        yield None  # a generator fixture must yield, even when there is nothing to give
        return
    import psycopg

    from checkin.config import database_uri

    name = f"checkin_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    uri = database_uri(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    migrate(uri, Path(f"/tmp/{name}-instance"))
    yield uri
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_uri(request, tmp_path, sqlite_template, pg_database) -> str:
    if request.param == "sqlite":
        path = tmp_path / "checkin.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    if not pg_database:
        services.missing("PostgreSQL: set CHECKIN_TEST_DATABASE_URL (CI does)")
    empty_pg(pg_database)
    return pg_database


@pytest.fixture
def app_config(database_uri, tmp_path) -> dict:
    """The configuration of the test's app; a subprocess given it builds the same app."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key",
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "checkin.test",
        # In-process races run more threads than one gunicorn worker: a PostgreSQL pool of 13
        # connections + 2 overflow lets every racer hold one at once.
        "THREADS": 13,
    }


@pytest.fixture
def app(app_config):
    from checkin import create_app
    from checkin.extensions import db

    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the session (tests/browser and tests/stack both drive Chromium)."""
    from playwright.sync_api import sync_playwright  # a test dependency: missing is an error

    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def launch_browser(playwright):
    """launch_browser(*extra_args) -> a Chromium of this test's own (closed at teardown),
    for tests that need other flags, e.g. a fake camera."""
    from tests.support.browsers import launch

    launched = []

    def launch_one(*extra_args: str):
        browser = launch(playwright, extra_args)
        launched.append(browser)
        return browser

    yield launch_one
    for browser in launched:
        browser.close()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now():
    from checkin.database import utcnow

    return utcnow()


@pytest.fixture
def seeded(app, now):
    """The festival's two shows, open for registration."""
    from checkin.shows import seed_festival

    with app.app_context():
        seed_festival(now - timedelta(minutes=1))
    return app


@pytest.fixture
def app_context(app):
    """The test runs inside the app's context: for tests that call the domain directly (the
    database session, the configuration) rather than through a client."""
    with app.app_context():
        yield app
