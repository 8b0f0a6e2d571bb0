"""A scan's statements (issue 20): on PostgreSQL an entry reads its ticket and writes in one
transaction; on SQLite the read stays outside the write lock. And the paths that statement leaves to the others: a ticket that
moved on since it was read (decided afresh, locked), and a shard with no place held."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, func, select

from tests.support.gate import issue, open_show, scan_id, scan_qr


@contextmanager
def _statements(app):
    """Each statement's first words, BEGIN and COMMIT, in order."""
    from checkin.extensions import db

    seen: list[str] = []

    def statement(conn, cursor, text, parameters, context, executemany):
        seen.append(" ".join(text.split()[:3]))

    def begin(conn):
        seen.append("BEGIN")

    def commit(conn):
        seen.append("COMMIT")

    with app.app_context():
        engine = db.engine
    listeners = (("before_cursor_execute", statement), ("begin", begin), ("commit", commit))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def _scan(app, code, now, direction="in"):
    return scan_qr(app, code, now, direction=direction)


def _counts(app) -> tuple[int, int, int]:
    """(people inside by the counter, by the rows, admitted scans)."""
    from checkin.extensions import db
    from checkin.models import Scan, Show, Ticket

    with app.app_context():
        inside = db.session.scalar(select(Show.inside_count).where(Show.slug == "gate"))
        rows = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.inside.is_(True)))
        admitted = db.session.scalar(select(func.count()).select_from(Scan).where(Scan.result == "admitted"))
        db.session.remove()
    return inside, rows, admitted


def _same_shard(app, codes: list[str]) -> tuple[str, str]:
    """Two tickets whose admissions take their places from the same shard."""
    from checkin import places
    from checkin.extensions import db
    from checkin.models import Ticket

    with app.app_context():
        ids = dict(db.session.execute(select(Ticket.code, Ticket.id).where(Ticket.code.in_(codes))).all())
        db.session.remove()
    first = codes[0]
    second = next(code for code in codes[1:] if ids[code] % places.SHARDS == ids[first] % places.SHARDS)
    return first, second


def test_an_entry_reads_and_writes_in_one_transaction_on_postgresql(app, now, database_uri):
    open_show(app, "gate")
    first, second = _same_shard(app, issue(app, "gate", 17))
    with _statements(app) as seen, app.app_context():
        assert _scan(app, first, now).result == "admitted"
    with _statements(app) as held, app.app_context():
        assert _scan(app, second, now).result == "admitted"
    read = "SELECT tickets.id, tickets.show_id,"
    # From the scan's own read on (the keyring may be read first, once).
    seen, held = seen[seen.index(read) - 1 :], held[held.index(read) - 1 :]
    if database_uri.startswith("postgresql"):
        # The shard's first admission takes a block from the show, last; the next finds it held.
        # The counters' rows (the triggers of the ticket's change and the scan's row) are
        # locked before the shard's, in every path: a data-modifying CTE that took the shard's
        # place first deadlocked against a refill under load (make bench, issue 20).
        wrote = ["UPDATE tickets SET", "INSERT INTO scans", "UPDATE show_places SET"]
        assert seen == ["BEGIN", read, *wrote, "INSERT INTO show_places", "UPDATE shows SET", "COMMIT"]
        assert held == ["BEGIN", read, *wrote, "COMMIT"]
    else:
        assert held[:3] == ["BEGIN", read, "COMMIT"] and not any(s.startswith("WITH") for s in seen + held)
    assert _counts(app) == (2, 2, 2)


def test_a_ticket_admitted_since_it_was_read_is_decided_afresh(app, now, monkeypatch):
    """The read said "not admitted", another gate was quicker: the conditional change fails,
    nothing of the scan is written but its refusal, and the place is not taken twice."""
    from checkin.admission import reads

    open_show(app, "gate")
    [code] = issue(app, "gate", 1)
    real_find = reads.find
    stale = {}

    def find(connection, request, ref, *, locked=False):
        if not locked and "before" in stale:
            return stale["before"]
        return real_find(connection, request, ref, locked=locked)

    monkeypatch.setattr(reads, "find", find)
    with app.app_context():
        from checkin.database import read_then_write

        stale["before"] = read_then_write(
            lambda connection: real_find(connection, _request(now), reads_ref(code)),
            lambda connection, found: found,
        )
        assert _scan(app, code, now).result == "admitted"
        again = _scan(app, code, now)
    assert again.result == "already_inside"
    assert _counts(app) == (1, 1, 1)


def _request(now):
    from checkin.admission.results import ScanRequest

    return ScanRequest(None, "A", "in", scan_id(), None, "gate", now)


def reads_ref(code: str):
    from checkin.admission.results import Ref

    return Ref("code", code)


def test_a_full_venue_takes_the_ticket_change_back(app, now):
    """No place held and none left in the show: the change made with the scan's row is taken
    back and the row says venue_full."""
    open_show(app, "gate", capacity=1)
    first, second = issue(app, "gate", 2)
    with app.app_context():
        assert _scan(app, first, now).result == "admitted"
        assert _scan(app, second, now).result == "venue_full"
        assert _scan(app, first, now, "out").result == "exited"
        assert _scan(app, second, now).result == "admitted"
    assert _counts(app) == (1, 1, 2)
