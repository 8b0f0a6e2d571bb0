"""What the benchmarks need in the database: the bench shows, and tickets and scans inserted in
bulk, straight to the driver (a show of 1,000,000 tickets and 2,000,000 scans takes a minute or
two this way, not the days that as many registrations and scans through the app would)."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text, update

REGISTRATION_SHOW = "bench-reg"
GATE_SHOW = "bench-gate"
STATS_SHOW = "bench-stats"
BIG = 10_000_000
GATE_LABELS = ("Cổng A", "Cổng B", "Cổng C")
_CHUNK = 5_000


def create_shows(now: datetime) -> None:
    """One show open for registration; two whose doors are open (the gate rush, the stats)."""
    from checkin.database import transaction
    from checkin.models import Gate, Show

    common = dict(
        venue="Hà Nội",
        ticket_quota=BIG,
        venue_capacity=BIG,
        issued_count=0,
        inside_count=0,
        registration_open=True,
        waitlist_cutoff_minutes=120,
        registration_opens_at=now - timedelta(hours=1),
    )
    with transaction() as session:
        session.add(
            Show(
                slug=REGISTRATION_SHOW,
                title_vi="Đăng ký (bench)",
                title_en="Registration (bench)",
                doors_open_at=now + timedelta(days=7),
                starts_at=now + timedelta(days=7, hours=1),
                ends_at=now + timedelta(days=7, hours=4),
                reentry_allowed=False,
                registration_closes_at=now + timedelta(days=7),
                **common,
            )
        )
        for slug, title in ((GATE_SHOW, "Cổng (bench)"), (STATS_SHOW, "Thống kê (bench)")):
            show = Show(
                slug=slug,
                title_vi=title,
                title_en=slug,
                doors_open_at=now - timedelta(hours=1),
                starts_at=now + timedelta(minutes=30),
                ends_at=now + timedelta(hours=3),
                reentry_allowed=slug == STATS_SHOW,
                registration_closes_at=now - timedelta(hours=1),
                **common,
            )
            show.gates = [Gate(label=label, position=i) for i, label in enumerate(GATE_LABELS)]
            session.add(show)


def doors_open_show(slug: str, gate: str, seats: int, now: datetime, *, registration_open: bool) -> None:
    """A one-gate show of `seats` places whose doors opened an hour ago; registration open for
    three more hours, or closed an hour ago (tickets then come from bulk_tickets)."""
    from checkin.database import transaction
    from checkin.models import Gate, Show

    window = (
        (now - timedelta(hours=2), now + timedelta(hours=3))
        if registration_open
        else (now - timedelta(days=2), now - timedelta(hours=1))
    )
    with transaction() as session:
        show = Show(
            slug=slug,
            title_vi="Buổi đo",
            title_en="Bench show",
            venue="Hà Nội",
            doors_open_at=now - timedelta(hours=1),
            starts_at=now,
            ends_at=now + timedelta(hours=3),
            ticket_quota=seats,
            venue_capacity=seats,
            issued_count=0,
            inside_count=0,
            reentry_allowed=False,
            registration_open=registration_open,
            registration_opens_at=window[0],
            registration_closes_at=window[1],
            waitlist_cutoff_minutes=0,
        )
        show.gates = [Gate(label=gate, position=0)]
        session.add(show)


def _stamp(dialect: str) -> Callable[[datetime], object]:
    """A datetime as the driver takes it in bulk: SQLAlchemy's own text format on SQLite (which
    has no date type), the value itself for COPY."""
    if dialect != "sqlite":
        return lambda at: at

    @functools.cache
    def text(at: datetime) -> str:
        return at.strftime("%Y-%m-%d %H:%M:%S.%f")

    return text


def _write(connection, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Rows straight to the driver, in the transaction of `connection` (executemany in batches
    on SQLite, COPY on PostgreSQL): through SQLAlchemy's ORM, 300,000 rows took most of a
    minute on a busy machine. The triggers of the real schema fire as for any insert."""
    if connection.dialect.name != "sqlite":  # PostgreSQL's COPY: ten times the speed of INSERTs
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # One executemany over the whole iterable: sqlite3 steps one prepared statement through it.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    connection.connection.driver_connection.cursor().executemany(sql, rows)


def _codes(count: int) -> list[str]:
    """Distinct valid ticket codes, counted up from a random start (a registration that draws
    one of them draws again, as with any taken code)."""
    from checkin.tickets import CODE_ALPHABET, CODE_LENGTH

    base = len(CODE_ALPHABET)
    start = secrets.randbelow(base**CODE_LENGTH - count)
    codes = []
    for n in range(start, start + count):
        digits = []
        for _ in range(CODE_LENGTH):
            n, d = divmod(n, base)
            digits.append(CODE_ALPHABET[d])
        codes.append("".join(digits))
    return codes


_TICKET_COLUMNS = (
    "show_id",
    "code",
    "token",
    "status",
    "name",
    "email",
    "phone",
    "birth_year",
    "locale",
    "consent_version",
    "consent_at",
    "created_at",
    "issued_at",
    "confirmed_at",
    "updated_at",
    "admitted_at",
    "admitted_gate",
    "inside",
)
_SCAN_COLUMNS = (
    "client_scan_id",
    "ticket_id",
    "show_id",
    "gate",
    "direction",
    "result",
    "method",
    "scanned_at",
    "recorded_at",
    "response",
)


def _ticket_rows(show_id: int, tag: str, now, codes, numbers, name, admitted=None) -> Iterable[tuple]:
    """Issued tickets numbered `numbers`; `admitted(i)` gives (time, gate) of those let in."""
    from checkin.personal_data import PRIVACY_NOTICE_VERSION

    for i, code in zip(numbers, codes, strict=True):
        entry = admitted(i) if admitted else None
        yield (
            show_id,
            code,
            secrets.token_urlsafe(24),
            "issued",
            name(i),
            f"{tag}{i}@example.com",
            f"+8490{i:07d}",
            2004,
            "vi",
            PRIVACY_NOTICE_VERSION,
            now,
            now,
            now,
            now,
            now,
            entry[0] if entry else None,
            entry[1] if entry else None,
            entry is not None,
        )


def bulk_tickets(
    slug: str,
    count: int,
    now: datetime,
    *,
    tag: str,
    codes: list[str] | None = None,
    name: Callable[[int], str] | None = None,
) -> list[tuple[int, str]]:
    """`count` issued tickets of a show that has none, its counter raised to match; (id, code)
    of each. The database numbers them (PostgreSQL's sequence must see every id). Codes are
    counted up and names numbered unless given (sizes on the wire depend on both)."""
    from checkin.database import transaction
    from checkin.models import Show, Ticket

    codes = codes or _codes(count)
    name = name or (lambda i: f"Trần Thị {tag} {i}")
    with transaction() as session:
        connection = session.connection()
        stamp = _stamp(connection.dialect.name)
        show_id = session.scalar(select(Show.id).where(Show.slug == slug))
        _write(
            connection,
            "tickets",
            _TICKET_COLUMNS,
            _ticket_rows(show_id, tag, stamp(now), codes, range(count), name),
        )
        session.execute(update(Show).where(Show.id == show_id).values(issued_count=Show.issued_count + count))
        ids = dict(session.execute(select(Ticket.code, Ticket.id).where(Ticket.show_id == show_id)).all())
    return [(ids[code], code) for code in codes]


class _Evening:
    """A doors-open evening on a re-entry show: 4 of 5 tickets admitted, half of those out and
    back in, the other half scanned a second time at the next gate (refused): 2.0 scans per
    ticket in all, the first entries spread over the 55 minutes since the doors opened."""

    def __init__(self, show_id: int, slug: str, tickets: int, now: datetime, stamp):
        self.show_id = show_id
        self.slug = slug
        self.admitted = tickets * 4 // 5
        self.now = now
        self.stamp = stamp
        self.prefix = f"bench-{secrets.token_hex(4)}"
        self.numbered = 0

    def entry(self, i: int) -> tuple[datetime, str] | None:
        """When and where the ticket numbered i was first let in, or None."""
        if i >= self.admitted:
            return None
        return (
            self.now - timedelta(minutes=55) + timedelta(seconds=(i * 3300) // self.admitted),
            GATE_LABELS[i % 3],
        )

    def scans(self, i: int, ticket_id: int, code: str) -> Iterable[tuple]:
        entry = self.entry(i)
        if entry is None:
            return
        at, gate = entry
        yield self._scan(ticket_id, code, gate, "in", "admitted", at)
        if i % 2 == 0:
            yield self._scan(ticket_id, code, gate, "out", "exited", at + timedelta(minutes=1))
            yield self._scan(ticket_id, code, gate, "in", "reentered", at + timedelta(minutes=2))
        else:
            yield self._scan(
                ticket_id, code, GATE_LABELS[(i + 1) % 3], "in", "already_inside", at + timedelta(seconds=5)
            )

    def _scan(self, ticket_id, code, gate, direction, result, at) -> tuple:
        self.numbered += 1
        at = self.stamp(at)
        # json.dumps's text of {"result", "ok", "ticket": {"code", "show"}}, written out: codes,
        # slugs and results need no escaping, and two million dumps cost seconds.
        ok = "true" if result in ("admitted", "reentered", "exited") else "false"
        response = (
            f'{{"result": "{result}", "ok": {ok}, "ticket": {{"code": "{code}", "show": "{self.slug}"}}}}'
        )
        return (
            f"{self.prefix}-{self.numbered}",
            ticket_id,
            self.show_id,
            gate,
            direction,
            result,
            "qr",
            at,
            at,
            response,
        )


def bulk_gate_history(slug: str, tickets: list[tuple[int, str]], now: datetime) -> int:
    """_Evening's scans of tickets of bulk_tickets, the admitted ones marked so: the number of
    scans."""
    from checkin.database import transaction
    from checkin.models import Show, Ticket

    with transaction() as session:
        connection = session.connection()
        show_id = session.scalar(select(Show.id).where(Show.slug == slug))
        evening = _Evening(show_id, slug, len(tickets), now, _stamp(connection.dialect.name))
        _write(
            connection,
            "scans",
            _SCAN_COLUMNS,
            (row for i, (ticket_id, code) in enumerate(tickets) for row in evening.scans(i, ticket_id, code)),
        )
        for start in range(0, evening.admitted, _CHUNK):
            ids = [ticket_id for ticket_id, _ in tickets[start : min(start + _CHUNK, evening.admitted)]]
            session.execute(
                update(Ticket)
                .where(Ticket.id.in_(ids))
                .values(admitted_at=now - timedelta(minutes=30), admitted_gate=GATE_LABELS[0], inside=True)
                .execution_options(synchronize_session=False)
            )
        session.execute(update(Show).where(Show.id == show_id).values(places_taken=evening.admitted))
    return evening.numbered


@functools.cache
def _scale_counters():
    """Migration 0013, where the counting triggers and their backfill are written once."""
    import importlib.util

    import checkin

    path = Path(checkin.__file__).parent / "migrations" / "versions" / "0013_scale_counters.py"
    spec = importlib.util.spec_from_file_location("checkin_migration_0013", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _counting_on_insert(connection, on: bool) -> None:
    """The triggers that count inserted tickets and scans into show_counts, off or back on, in
    the caller's transaction (a rollback puts them back as they were)."""
    for table in ("tickets", "scans"):
        trigger = f"{table}_counted_insert"
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER {trigger}"))
        elif not on:
            connection.execute(text(f"DROP TRIGGER {trigger}"))
        else:
            (create,) = (
                s for s in _scale_counters()._triggers_sqlite() if s.startswith(f"CREATE TRIGGER {trigger} ")
            )
            connection.execute(text(create))


def bulk_evening(slug: str, count: int, now: datetime, *, tag: str, chunk: int = 50_000) -> int:
    """bulk_tickets then bulk_gate_history in one pass, for a show of a million tickets: a chunk
    at a time (memory stays flat), the admitted tickets written admitted, the scans of each
    chunk after its tickets, in one transaction. In a database with no tickets and no scans
    yet, the insert triggers that count them are off during the load and show_counts is then
    filled by migration 0013's own backfill (at 200,000 tickets on this machine: SQLite 19 s
    → 11 s, its row triggers upsert once a row; PostgreSQL 20 s → 15 s); otherwise the
    triggers count as they go. The indexes and foreign keys of the schema stay in place. The
    number of scans."""
    from checkin.database import transaction
    from checkin.models import Scan, Show, Ticket

    codes = _codes(count)
    name = lambda i: f"Trần Thị {tag} {i}"  # noqa: E731
    with transaction() as session:
        connection = session.connection()
        dialect = connection.dialect.name
        if dialect == "sqlite":
            # The indexes of a million rows in this connection's page cache (2 MB by default),
            # for the rest of its life in the pool: a bench database's seeding connection.
            connection.exec_driver_sql("PRAGMA cache_size = -262144")
        counted_after = not (
            session.scalar(select(Ticket.id).limit(1)) or session.scalar(select(Scan.id).limit(1))
        )
        if counted_after:
            _counting_on_insert(connection, on=False)
        stamp = _stamp(dialect)
        show_id = session.scalar(select(Show.id).where(Show.slug == slug))
        evening = _Evening(show_id, slug, count, now, stamp)

        def admitted(i):
            entry = evening.entry(i)
            return (stamp(entry[0]), entry[1]) if entry else None

        for start in range(0, count, chunk):
            numbers = range(start, min(start + chunk, count))
            last = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM tickets").scalar()
            _write(
                connection,
                "tickets",
                _TICKET_COLUMNS,
                _ticket_rows(
                    show_id, tag, stamp(now), codes[numbers.start : numbers.stop], numbers, name, admitted
                ),
            )
            ids = dict(
                connection.exec_driver_sql(
                    f"SELECT code, id FROM tickets WHERE id > {int(last)} AND show_id = {int(show_id)}"
                ).all()
            )
            _write(
                connection,
                "scans",
                _SCAN_COLUMNS,
                (row for i in numbers for row in evening.scans(i, ids[codes[i]], codes[i])),
            )
        if counted_after:
            # Every ticket and scan of the database is this show's: the backfill, which counts
            # whole tables, counts them as the triggers would have (and nothing twice).
            for statement in _scale_counters()._backfill(dialect):
                connection.execute(text(statement))
            _counting_on_insert(connection, on=True)
        session.execute(
            update(Show)
            .where(Show.id == show_id)
            .values(issued_count=Show.issued_count + count, places_taken=evening.admitted)
        )
    return evening.numbered
