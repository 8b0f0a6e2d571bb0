"""A scan's transaction that PostgreSQL rolls back as a deadlock's victim runs again instead of
failing the scan (database.read_then_write): late offline uploads replay several scans each,
and two of them can take counter rows in opposite orders (CI saw one fail that way)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.support.racing import release_together

pytestmark = pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)


def _two_rows(app) -> None:
    from checkin.extensions import db

    with app.app_context():
        db.session.execute(
            text("CREATE TABLE IF NOT EXISTS retry_probe (id int PRIMARY KEY, n int NOT NULL)")
        )
        db.session.execute(text("DELETE FROM retry_probe"))
        db.session.execute(text("INSERT INTO retry_probe VALUES (1, 0), (2, 0)"))
        db.session.commit()


def test_a_deadlocked_transaction_runs_again_and_both_commit(app):
    from checkin.database import read_then_write
    from checkin.extensions import db

    _two_rows(app)
    both_hold_one = threading.Barrier(2, timeout=30)
    attempts = [0, 0]

    def crossing(racer: int) -> int:
        first, second = (1, 2) if racer == 0 else (2, 1)

        def write(connection, _seen) -> int:
            attempts[racer] += 1
            bump = text("UPDATE retry_probe SET n = n + 1 WHERE id = :id")
            connection.execute(bump, {"id": first})
            if attempts[racer] == 1:
                both_hold_one.wait()
            connection.execute(bump, {"id": second})
            return attempts[racer]

        with app.app_context():
            try:
                return read_then_write(lambda connection: None, write)
            finally:
                db.session.remove()

    answers = release_together(crossing, 2, unfinished="unfinished")
    assert "unfinished" not in answers
    # One of the two was the deadlock's victim: it ran twice; its first run left nothing.
    assert sorted(answers) == [1, 2]
    with app.app_context():
        assert db.session.execute(text("SELECT sum(n) FROM retry_probe")).scalar() == 4


def test_a_refusal_by_the_database_is_not_retried(app):
    from checkin.database import read_then_write

    _two_rows(app)
    attempts = []

    def duplicate(connection, _seen) -> None:
        attempts.append(1)
        connection.execute(text("INSERT INTO retry_probe VALUES (1, 0)"))

    with app.app_context(), pytest.raises(IntegrityError):
        read_then_write(lambda connection: None, duplicate)
    assert len(attempts) == 1
