"""The live numbers of a show, each one counted by the database (never a Python loop over
rows), so the dashboard agrees with a direct count of the database.

At festival scale (100,000 tickets, 200,000 scans) a GROUP BY over a show's rows costs far
more than counting ranges of an index: every number here is a count(*) over one range of a
covering index (checkin/migrations/versions/0002), several per statement, so they share one
snapshot and one round trip. Gate labels are found by a loose index scan (one seek each).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, text

from .admission import RESULTS, UNDONE
from .models import Gate, Scan, Show, Ticket

BUCKET_SECONDS = 300
MAX_BUCKETS = 288  # a day: older arrivals come from stray device clocks
# Scan results that turn a person away (the rest move them in or out).
REFUSALS = ("already_inside", "not_inside", "invalid", "unknown", "wrong_show", "cancelled",
            "waitlisted", "venue_full", "not_open")
_MOVES = ("admitted", "reentered", "exited")
_EPOCH = datetime(1970, 1, 1)
NEAR_FULL = 0.9
STATUSES = ("issued", "waitlisted", "cancelled")


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


def show_stats(session, show: Show, now: datetime) -> ShowStats:
    tickets = _ticket_counts(session, show.id)
    no_show = None
    if now >= show.doors_open_at and tickets["issued"]:
        no_show = round((tickets["issued"] - tickets["admitted_issued"]) / tickets["issued"], 4)
    return ShowStats(
        slug=show.slug,
        ticket_quota=show.ticket_quota,
        issued=tickets["issued"],
        waitlisted=tickets["waitlisted"],
        cancelled=tickets["cancelled"],
        venue_capacity=show.venue_capacity,
        admitted=tickets["admitted_issued"] + tickets["admitted_other"],
        inside=tickets["inside"],
        no_show_share=no_show,
        doors_open_at=show.doors_open_at,
        gates=_gate_counts(session, show.id),
        arrivals=arrivals(session, show.id),
    )


def _count(model, *conditions):
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


def _ticket_counts(session, show_id: int) -> dict[str, int]:
    """The ticket numbers in one statement, so they agree with each other even while
    registrations and admissions commit."""
    of_show = Ticket.show_id == show_id
    admitted = Ticket.admitted_at.is_not(None)
    counts = {status: _count(Ticket, of_show, Ticket.status == status) for status in STATUSES}
    counts["admitted_issued"] = _count(Ticket, of_show, Ticket.status == "issued", admitted)
    # Never expected (cancelling and moving refuse admitted tickets), but counted, not assumed.
    counts["admitted_other"] = _count(Ticket, of_show, Ticket.status.in_(("waitlisted", "cancelled")), admitted)
    counts["inside"] = _count(Ticket, of_show, Ticket.status.in_(STATUSES), admitted, Ticket.inside.is_(True))
    row = session.execute(select(*(value.label(name) for name, value in counts.items()))).one()
    return {name: int(value) for name, value in row._mapping.items()}


# One index seek per distinct label: portable SQL (SQLite and PostgreSQL) for a loose index scan.
_GATE_LABELS = text("""
    WITH RECURSIVE labels(gate) AS (
        SELECT min(gate) FROM scans WHERE show_id = :show_id
        UNION ALL
        SELECT (SELECT min(s.gate) FROM scans s WHERE s.show_id = :show_id AND s.gate > labels.gate)
        FROM labels WHERE labels.gate IS NOT NULL
    )
    SELECT gate FROM labels WHERE gate IS NOT NULL
""")


def _gate_counts(session, show_id: int) -> dict[str, GateStats]:
    gates = {label: GateStats() for label in session.scalars(
        select(Gate.label).where(Gate.show_id == show_id).order_by(Gate.position, Gate.id))}
    labels = list(session.scalars(_GATE_LABELS, {"show_id": show_id}))
    if not labels:
        return gates
    pairs = [(label, result) for label in labels for result in (*RESULTS, UNDONE)]
    counts = session.execute(select(*(
        _count(Scan, Scan.show_id == show_id, Scan.gate == label, Scan.result == result,
               Scan.undone_by_scan_id.is_(None)).label(f"c{i}")
        for i, (label, result) in enumerate(pairs)))).one()
    for (label, result), count in zip(pairs, counts):
        gate = gates.setdefault(label, GateStats())
        gate.scans += count
        if result in _MOVES:
            setattr(gate, result, getattr(gate, result) + count)
        elif result in REFUSALS and count:
            gate.refused += count
            gate.refusals[result] = count
    return gates


def arrivals(session, show_id: int) -> list[tuple[datetime, int]]:
    """First entries per 5 minutes of the device's scan time, oldest first, empty buckets
    included so that a chart reads as a time axis: the first and last scan times are two
    index seeks, then one range count per bucket."""
    first_entry = and_(Scan.show_id == show_id, Scan.result == "admitted", Scan.undone_by_scan_id.is_(None))
    earliest, latest = session.execute(
        select(select(func.min(Scan.scanned_at)).where(first_entry).scalar_subquery(),
               select(func.max(Scan.scanned_at)).where(first_entry).scalar_subquery())).one()
    if latest is None:
        return []
    last = _bucket(latest)
    first = max(_bucket(earliest), last - MAX_BUCKETS)
    starts = [_EPOCH + timedelta(seconds=b * BUCKET_SECONDS) for b in range(first, last + 1)]
    width = timedelta(seconds=BUCKET_SECONDS)
    counts = session.execute(select(*(
        _count(Scan, first_entry, Scan.scanned_at >= start, Scan.scanned_at < start + width).label(f"b{i}")
        for i, start in enumerate(starts)))).one()
    return list(zip(starts, (int(count) for count in counts)))


def _bucket(at: datetime) -> int:
    return int((at - _EPOCH).total_seconds()) // BUCKET_SECONDS
