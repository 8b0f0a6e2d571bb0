"""Group commit (database.group_write): writers waiting for SQLite's write lock at the same
moment share one transaction and one fsync, each in a SAVEPOINT of its own; a caller hears of
success only after the COMMIT; one caller's failure undoes its own writes alone."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, insert, select

from tests.support.factories import make_show, person
from tests.support.racing import in_app, release_together

WRITERS = 6


def _audit_row(connection, action: str) -> None:
    from checkin.database import utcnow
    from checkin.models import AuditEntry

    connection.execute(insert(AuditEntry).values(at=utcnow(), action=action, object_type="test"))


def test_writers_waiting_together_commit_together_and_fail_alone(app):
    from checkin import database
    from checkin.extensions import db
    from checkin.models import AuditEntry

    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    threads_seen: dict[int, int] = {}
    outcomes: dict[int, str] = {}
    first_running = threading.Event()

    def work(i: int):
        def run(connection):
            threads_seen[i] = threading.get_ident()
            _audit_row(connection, f"write {i}")
            if i == 0:
                # The first leader holds the lock until the others are queued behind it.
                first_running.set()
                deadline = time.monotonic() + 10
                while (
                    sqlite
                    and time.monotonic() < deadline
                    and database.queued_writers(db.engine) < WRITERS - 1
                ):
                    time.sleep(0.01)
            if i == 3:
                raise ValueError("this writer changes its mind")
            return i

        return run

    def writer(i: int) -> None:
        with app.app_context():
            if i:
                first_running.wait(10)
            try:
                outcomes[i] = f"ok {database.group_write(work(i))}"
            except ValueError:
                outcomes[i] = "failed"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == {i: "failed" if i == 3 else f"ok {i}" for i in range(WRITERS)}
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert actions == {f"write {i}" for i in range(WRITERS) if i != 3}
    if sqlite:
        # Writers 1-5 queued while 0 held the lock, so one of them led them all in one transaction.
        assert len({threads_seen[i] for i in range(1, WRITERS)}) == 1


def test_a_failed_commit_fails_every_writer_of_the_group(app, monkeypatch):
    from checkin import database
    from checkin.extensions import db
    from checkin.models import AuditEntry

    def refuse(self):
        raise OSError("disk full")

    monkeypatch.setattr("sqlalchemy.engine.base.Transaction.commit", refuse)
    with app.app_context():
        # A write whose COMMIT failed is never reported as done.
        with pytest.raises(OSError):
            database.group_write(lambda connection: _audit_row(connection, "lost"))
        monkeypatch.undo()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_racing_crowd_with_repeats_gets_one_ticket_each_and_nothing_lost(app):
    from checkin.database import utcnow
    from checkin.errors import DomainError
    from checkin.extensions import db
    from checkin.models import OutboxMessage, Show, Ticket
    from checkin.registration import register

    make_show(app, "crowd", quota=1000)
    people = [person(i % 20) for i in range(40)]  # everyone twice

    def registrant(i: int) -> str:
        try:
            return register("crowd", people[i], now=utcnow()).code or "duplicate"
        except DomainError as error:
            return error.code

    results = release_together(in_app(app, registrant), len(people), unfinished="")
    codes = [r for r in results if r != "duplicate"]
    assert len(codes) == 20 and results.count("duplicate") == 20
    with app.app_context():
        stored = set(db.session.scalars(select(Ticket.code)))
        assert stored == set(codes)
        assert db.session.scalar(select(Show.issued_count).where(Show.slug == "crowd")) == 20
        # A confirmation to each newcomer, a notice to the holder for each repeat.
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 40


# The writers' file lock exists on SQLite only (PostgreSQL queues writers itself).
@pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)
def test_a_writer_that_cannot_take_the_lock_is_told_so_and_its_work_never_runs(app, app_context):
    from pathlib import Path

    from checkin import database
    from checkin.errors import Unavailable
    from checkin.extensions import db
    from checkin.models import AuditEntry

    # A folder where the lock file should be: opening it fails as a vanished or read-only
    # folder would (and root, who runs CI, is not stopped by file permissions).
    lock = Path(database.writers_lock_path(db.engine.url.database))
    lock.unlink(missing_ok=True)
    lock.mkdir()
    with pytest.raises(Unavailable):
        database.group_write(lambda connection: _audit_row(connection, "never"))
    lock.rmdir()
    database.group_write(lambda connection: _audit_row(connection, "later"))
    assert list(db.session.scalars(select(AuditEntry.action))) == ["later"]


def test_a_transaction_memo_lives_as_long_as_its_transaction(app):
    from checkin.database import transaction_memo
    from checkin.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        with connection.begin():
            memo = transaction_memo(connection)
            memo["show"] = "row"
            assert transaction_memo(connection) is memo
        with connection.begin():
            assert transaction_memo(connection) == {}
