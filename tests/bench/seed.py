"""What the benchmarks need in the database: the bench shows, and tickets and scans inserted in
bulk (a show of 100,000 tickets and 200,000 scans takes seconds this way, not the hours that
as many registrations through the app would)."""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

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


def _insert_many(session, table: str, rows: list[dict]) -> None:
    """Straight to the driver (executemany on SQLite, COPY on PostgreSQL): through SQLAlchemy,
    300,000 rows took most of a minute on a busy machine."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    @functools.cache
    def text(at: datetime) -> str:
        return at.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's own format on SQLite

    def value(v):
        if isinstance(v, dict):
            return json.dumps(v)
        if sqlite and isinstance(v, datetime):
            return text(v)
        return v

    if not sqlite:  # PostgreSQL's COPY: ten times the speed of INSERTs
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(value(row[c]) for c in columns))
        return
    for start in range(0, len(rows), _CHUNK):
        connection.exec_driver_sql(
            sql, [tuple(value(row[c]) for c in columns) for row in rows[start : start + _CHUNK]]
        )


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
    from checkin.personal_data import PRIVACY_NOTICE_VERSION

    codes = codes or _codes(count)
    name = name or (lambda i: f"Trần Thị {tag} {i}")
    with transaction() as session:
        show_id = session.scalar(select(Show.id).where(Show.slug == slug))
        _insert_many(
            session,
            "tickets",
            [
                dict(
                    show_id=show_id,
                    code=codes[i],
                    token=secrets.token_urlsafe(24),
                    status="issued",
                    name=name(i),
                    email=f"{tag}{i}@example.com",
                    phone=f"+8490{i:07d}",
                    birth_year=2004,
                    locale="vi",
                    consent_version=PRIVACY_NOTICE_VERSION,
                    consent_at=now,
                    created_at=now,
                    issued_at=now,
                    confirmed_at=now,
                    updated_at=now,
                    inside=False,
                )
                for i in range(count)
            ],
        )
        session.execute(update(Show).where(Show.id == show_id).values(issued_count=Show.issued_count + count))
        ids = dict(session.execute(select(Ticket.code, Ticket.id).where(Ticket.show_id == show_id)).all())
    return [(ids[code], code) for code in codes]


def bulk_gate_history(slug: str, tickets: list[tuple[int, str]], now: datetime) -> int:
    """A doors-open evening on a re-entry show: 4 of 5 tickets admitted, half of those out and
    back in, the other half scanned a second time (refused): 2.0 scans per ticket in all."""
    from checkin.database import transaction
    from checkin.models import Show, Ticket

    admitted = tickets[: len(tickets) * 4 // 5]
    rows = []
    prefix = f"bench-{secrets.token_hex(4)}"

    def scan(ticket_id, code, gate, direction, result, at):
        rows.append(
            dict(
                client_scan_id=f"{prefix}-{len(rows)}",
                staff_id=None,
                ticket_id=ticket_id,
                show_id=show_id,
                gate=gate,
                direction=direction,
                result=result,
                method="qr",
                scanned_at=at,
                recorded_at=at,
                response={
                    "result": result,
                    "ok": result in ("admitted", "reentered", "exited"),
                    "ticket": {"code": code, "show": slug},
                },
            )
        )

    with transaction() as session:
        show_id = session.scalar(select(Show.id).where(Show.slug == slug))
        for i, (ticket_id, code) in enumerate(admitted):
            gate = GATE_LABELS[i % 3]
            at = now - timedelta(minutes=55) + timedelta(seconds=(i * 3300) // len(admitted))
            scan(ticket_id, code, gate, "in", "admitted", at)
            if i % 2 == 0:
                scan(ticket_id, code, gate, "out", "exited", at + timedelta(minutes=1))
                scan(ticket_id, code, gate, "in", "reentered", at + timedelta(minutes=2))
            else:
                scan(
                    ticket_id,
                    code,
                    GATE_LABELS[(i + 1) % 3],
                    "in",
                    "already_inside",
                    at + timedelta(seconds=5),
                )
        _insert_many(session, "scans", rows)
        for start in range(0, len(admitted), _CHUNK):
            ids = [ticket_id for ticket_id, _ in admitted[start : start + _CHUNK]]
            session.execute(
                update(Ticket)
                .where(Ticket.id.in_(ids))
                .values(admitted_at=now - timedelta(minutes=30), admitted_gate=GATE_LABELS[0], inside=True)
                .execution_options(synchronize_session=False)
            )
        session.execute(update(Show).where(Show.id == show_id).values(places_taken=len(admitted)))
    return len(rows)
