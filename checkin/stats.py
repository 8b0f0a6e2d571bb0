"""The live numbers of a show, each one an SQL aggregate over tickets and scans (never a
Python loop over rows), so the dashboard agrees with a direct count of the database."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Integer, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .models import Gate, Scan, Show, Ticket

BUCKET_SECONDS = 300
# Scan results that turn a person away (the rest move them in or out).
REFUSALS = ("already_inside", "not_inside", "invalid", "unknown", "wrong_show", "cancelled",
            "waitlisted", "venue_full", "not_open")
_EPOCH = datetime(1970, 1, 1)
NEAR_FULL = 0.9


class epoch_seconds(FunctionElement):
    """Seconds since 1970 of a naive-UTC timestamp column, on SQLite and PostgreSQL."""

    type = BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return compiler.process(cast(func.strftime("%s", *element.clauses.clauses), Integer), **kw)


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    return "CAST(EXTRACT(EPOCH FROM %s) AS BIGINT)" % compiler.process(element.clauses, **kw)


@dataclass
class GateStats:
    admitted: int = 0
    reentered: int = 0
    exited: int = 0
    refused: int = 0
    scans: int = 0
    refusals: dict[str, int] = field(default_factory=dict)


@dataclass
class ShowStats:
    slug: str
    ticket_quota: int
    issued: int
    waitlisted: int
    cancelled: int
    venue_capacity: int
    admitted: int
    inside: int
    no_show_share: float | None
    doors_open_at: datetime
    gates: dict[str, GateStats]
    arrivals: list[tuple[datetime, int]]

    @property
    def capacity_level(self) -> str:
        """'full', 'near' (at 90 % or more) or 'ok': the colour of the dashboard's gauge."""
        if self.inside >= self.venue_capacity:
            return "full"
        if self.inside >= NEAR_FULL * self.venue_capacity:
            return "near"
        return "ok"

    def to_json(self, local) -> dict:
        """The API's shape (DESIGN.md §5); `local` turns naive UTC into festival time."""
        data = asdict(self)
        data["doors_open_at"] = local(self.doors_open_at).isoformat()
        data["arrivals"] = [{"at": local(at).isoformat(), "count": count} for at, count in self.arrivals]
        data["bucket_minutes"] = BUCKET_SECONDS // 60
        data["capacity_level"] = self.capacity_level
        return data


def show_stats(session, show: Show, now: datetime) -> ShowStats:
    tickets = _ticket_counts(session, show.id)
    issued = tickets.get("issued", (0, 0, 0))
    no_show = None
    if now >= show.doors_open_at and issued[0]:
        no_show = round((issued[0] - issued[1]) / issued[0], 4)
    return ShowStats(
        slug=show.slug,
        ticket_quota=show.ticket_quota,
        issued=issued[0],
        waitlisted=tickets.get("waitlisted", (0, 0, 0))[0],
        cancelled=tickets.get("cancelled", (0, 0, 0))[0],
        venue_capacity=show.venue_capacity,
        admitted=sum(admitted for _, admitted, _ in tickets.values()),
        inside=sum(inside for _, _, inside in tickets.values()),
        no_show_share=no_show,
        doors_open_at=show.doors_open_at,
        gates=_gate_counts(session, show.id),
        arrivals=arrivals(session, show.id),
    )


def _ticket_counts(session, show_id: int) -> dict[str, tuple[int, int, int]]:
    """status -> (tickets, of them admitted, of them inside), in one statement so the three
    agree with each other even while admissions commit."""
    rows = session.execute(
        select(Ticket.status, func.count(), func.count(Ticket.admitted_at),
               func.coalesce(func.sum(case((Ticket.inside, 1), else_=0)), 0))
        .where(Ticket.show_id == show_id)
        .group_by(Ticket.status)
    )
    return {status: (int(total), int(admitted), int(inside)) for status, total, admitted, inside in rows}


def _gate_counts(session, show_id: int) -> dict[str, GateStats]:
    gates = {label: GateStats() for label in session.scalars(
        select(Gate.label).where(Gate.show_id == show_id).order_by(Gate.position, Gate.id))}
    rows = session.execute(
        select(Scan.gate, Scan.result, func.count())
        .where(Scan.show_id == show_id, Scan.undone_by_scan_id.is_(None))
        .group_by(Scan.gate, Scan.result)
    )
    for label, result, count in rows:
        gate = gates.setdefault(label, GateStats())
        gate.scans += count
        if result in ("admitted", "reentered", "exited"):
            setattr(gate, result, getattr(gate, result) + count)
        elif result in REFUSALS:
            gate.refused += count
            gate.refusals[result] = count
    return gates


def arrivals(session, show_id: int) -> list[tuple[datetime, int]]:
    """First entries per 5 minutes of the device's scan time, oldest first, with empty
    buckets between the first and the last filled in so a chart reads as a time axis."""
    bucket = (epoch_seconds(Scan.scanned_at) // BUCKET_SECONDS).label("bucket")
    rows = session.execute(
        select(bucket, func.count())
        .where(Scan.show_id == show_id, Scan.result == "admitted", Scan.undone_by_scan_id.is_(None))
        .group_by(bucket)
    ).all()
    counts = {int(b): int(c) for b, c in rows}
    if not counts:
        return []
    first, last = min(counts), max(counts)
    if last - first > 288:  # more than a day apart: stray device clocks; keep the recent day
        first = last - 288
    return [(_EPOCH + timedelta(seconds=b * BUCKET_SECONDS), counts.get(b, 0)) for b in range(first, last + 1)]
