"""The test databases: which PostgreSQL server (CI sets CHECKIN_TEST_DATABASE_URL), and a
schema made by the migrations, as tests/conftest.py's templates and tests/screenshots.py use."""

from __future__ import annotations

import os
from pathlib import Path

PG_URL = os.environ.get("CHECKIN_TEST_DATABASE_URL")


def migrate(uri: str, instance: Path) -> None:
    """The schema of the migrations' head, applied to the database at `uri`."""
    from flask_migrate import upgrade

    from checkin import create_app
    from checkin.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": uri,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "test-secret-key",
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()


def empty_pg(uri: str) -> None:
    """Every table of the database emptied, the schema kept (faster than a new database)."""
    import sqlalchemy as sa

    engine = sa.create_engine(uri)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            conn.execute(
                sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
    engine.dispose()
