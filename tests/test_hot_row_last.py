"""The show's row is every registration's and every gate's (issue 20): on PostgreSQL its
counter's UPDATE locks it until the commit, so that UPDATE comes last, right before the commit,
and nothing reads the show FOR UPDATE first. The lock is then held for one statement and the
commit, never across the ticket's and the scan's rows or the Python between them. The races
(tests/test_*_races.py) keep the invariants; this keeps the order that makes them cheap."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.support.factories import person
from tests.support.gate import issue, open_show, scan_qr


@contextmanager
def _transaction_log(app):
    """Each statement (whitespace folded) and each COMMIT, in order."""
    from checkin.extensions import db

    seen: list[str] = []

    def statement(conn, cursor, text, parameters, context, executemany):
        # A statement that is its own transaction commits as it ends, with no COMMIT of its own.
        alone = getattr(conn.connection.driver_connection, "autocommit", False) is True
        seen.append(("ALONE " if alone else "") + " ".join(text.split()))

    def commit(conn):
        seen.append("COMMIT")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def _show_lock_span(seen: list[str]) -> list[str]:
    """The statements from the first write of the show's row to the commit that follows it."""
    first = next(i for i, s in enumerate(seen) if s.startswith("UPDATE shows"))
    return seen[first : seen.index("COMMIT", first) + 1]


def test_a_registration_takes_its_seat_last_and_never_locks_the_show_first(app, now):
    from checkin.registration import register

    open_show(app, "gate")
    with _transaction_log(app) as seen, app.app_context():
        assert register("gate", person(1), now=now).status == "issued"
    assert not [s for s in seen if "FOR UPDATE" in s and "shows" in s.split("FOR UPDATE")[0]], seen
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # The seat, the ticket and its e-mail in one statement that commits as it ends: the
        # show's row is locked on the server alone, from the seat's UPDATE to the commit.
        [write] = [s for s in seen if "UPDATE shows" in s]
        assert write.startswith("ALONE WITH seat AS (UPDATE shows SET issued_count"), write
        assert "INSERT INTO tickets" in write and "INSERT INTO outbox" in write, write
        assert write == seen[-1] and "COMMIT" not in seen, seen
        return
    span = _show_lock_span(seen)
    assert span[0].startswith("UPDATE shows SET issued_count") and span[1:] == ["COMMIT"], span


@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_a_known_person_on_postgresql_is_one_statement_too(app, now):
    """The same read, and the same lock of the show's row in one statement, for an e-mail that
    already holds a ticket: its holder's notice is written only if a seat was free."""
    from checkin.extensions import db
    from checkin.models import OutboxMessage
    from checkin.registration import register

    open_show(app, "gate")
    with app.app_context():
        register("gate", person(1), now=now)
    with _transaction_log(app) as seen, app.app_context():
        assert register("gate", person(1), now=now).status == "duplicate"
        assert db.session.query(OutboxMessage).filter_by(kind="notice").count() == 1
    [write] = [s for s in seen if "UPDATE shows" in s]
    assert write.startswith("ALONE WITH seat AS (UPDATE shows SET issued_count=shows.issued_count"), write


@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_a_hold_is_confirmed_in_one_statement_on_postgresql(app, now):
    """The surge's next request is the link in the e-mail: on PostgreSQL the hold's confirmation
    and its ticket's e-mail are one statement that commits as it ends; a link opened again
    changes nothing and queues nothing."""
    from checkin.extensions import db
    from checkin.models import OutboxMessage
    from checkin.registration import confirm, register

    open_show(app, "gate")
    with app.app_context():
        token = register("gate", person(1), now=now).token
    with _transaction_log(app) as seen, app.app_context():
        assert confirm(token, now=now) is True
    assert len(seen) == 1 and seen[0].startswith("ALONE WITH confirmed AS (UPDATE tickets"), seen
    assert "INSERT INTO outbox" in seen[0]
    with app.app_context():
        assert confirm(token, now=now) is False
        assert db.session.query(OutboxMessage).filter_by(kind="ticket").count() == 1


def test_an_admission_takes_its_place_inside_last(app, now):

    open_show(app, "gate")
    [code] = issue(app, "gate", 1)
    with _transaction_log(app) as seen, app.app_context():
        result = scan_qr(app, code, now)
        assert result.result == "admitted"
    span = _show_lock_span(seen)
    assert span[0].startswith("UPDATE shows SET inside_count") and span[1:] == ["COMMIT"], span


def test_a_full_venue_still_refuses_and_leaves_the_ticket_usable(app, now):
    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket

    open_show(app, "gate", capacity=1)
    first, second = issue(app, "gate", 2)
    with app.app_context():
        answers = [scan_qr(app, code, now) for code in (first, second)]
        assert [a.result for a in answers] == ["admitted", "venue_full"]
        refused = db.session.get(Scan, answers[1].scan_id)
        assert refused.result == "venue_full" and refused.response["result"] == "venue_full"
        assert not refused.in_history
        ticket = db.session.query(Ticket).filter_by(code=second).one()
        assert ticket.admitted_at is None and not ticket.inside
        assert db.session.query(Show).filter_by(slug="gate").one().inside_count == 1
