"""The schema comes only from migrations: one head, the migrated database equals the models, on
SQLite and PostgreSQL; and SQLite runs with the pragmas invariant 7 relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

import checkin

MIGRATIONS = Path(checkin.__file__).parent / "migrations"


def script_directory() -> ScriptDirectory:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_the_migrations_have_a_single_head():
    heads = script_directory().get_heads()
    assert len(heads) == 1, heads


def test_the_migrated_database_is_at_the_head_and_matches_the_models(app):
    from checkin.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert context.get_current_heads() == tuple(script_directory().get_heads())
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_partial_unique_indexes_and_quota_check_exist_in_the_database(app):
    """compare_metadata ignores check constraints and index conditions: ask the database."""
    from checkin.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = dict(
                conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('tickets', 'shows')")
                ).all()
            )
            shows = sql["shows"]
            email_index = sql["uq_live_ticket_email"]
        else:
            shows = " ".join(
                conn.execute(
                    text(
                        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'shows'::regclass"
                    )
                ).scalars()
            )
            email_index = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_live_ticket_email'")
            ).scalar_one()
    assert "issued_count <= ticket_quota" in shows
    assert "UNIQUE" in email_index.upper() and "WHERE" in email_index.upper() and "issued" in email_index


def test_sqlite_runs_in_wal_with_foreign_keys_a_busy_timeout_and_full_sync(
    sqlite_template, tmp_path, monkeypatch
):
    import shutil

    from checkin import create_app
    from checkin.extensions import db

    monkeypatch.delenv("CHECKIN_SQLITE_SYNCHRONOUS", raising=False)
    shutil.copy(sqlite_template, tmp_path / "checkin.db")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'checkin.db'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    with app.app_context():
        with db.engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        db.engine.dispose()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000, "synchronous": 2}


def test_foreign_keys_are_enforced(app):
    from sqlalchemy.exc import IntegrityError

    from checkin.database import transaction
    from checkin.models import Gate

    with app.app_context(), pytest.raises(IntegrityError), transaction() as session:
        session.add(Gate(show_id=999_999, label="X", position=0))
