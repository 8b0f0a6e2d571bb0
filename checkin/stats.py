"""The live numbers of a show, each one counted by the database (never a Python loop over
rows), so the dashboard agrees with a direct count of the database.

At festival scale (100,000 tickets, 200,000 scans) a GROUP BY over a show's rows costs far
more than counting ranges of an index: every number here is a count(*) over one range of a
covering index (checkin/migrations/versions/0002), several per statement, so they share one
snapshot and one round trip. Gate labels are found by a loose index scan (one seek each).

Conflicts (admissions decided offline that the server could not honour, checkin/offline.py)
are counted like the rest: result = 'conflict' is one range of ix_scans_show_result_scanned.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import DateTime, and_, bindparam, func, select, text

from . import holder_messages, standby
from . import reconfirmation as reconfirmation_counts
from .admission import CONFLICT, OK_RESULTS, RESULTS, UNDONE
from .gate_lookup import LOOKUP_ACTION
from .models import TICKET_STATUSES, AuditEntry, Gate, Scan, Show, Staff, Ticket

BUCKET_SECONDS = 300
MAX_BUCKETS = 288  # a day: older arrivals come from stray device clocks
# Scan results that turn a person away. admission.RESULTS is the one list of results: moves,
# a conflict (the person was let in: an organiser reviews it), and the refusals.
REFUSALS = tuple(result for result in RESULTS if result not in OK_RESULTS and result != CONFLICT)
_EPOCH = datetime(1970, 1, 1)
NEAR_FULL = 0.9


@dataclass
class GateStats:
    admitted: int = 0
    reentered: int = 0
    exited: int = 0
    refused: int = 0
    conflicts: int = 0
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
    conflicts: int = 0  # admissions the server could not honour, for an organiser to review
    # Per volunteer: hand lookups and admissions by hand (least privilege is watched, too).
    volunteers: dict[str, dict[str, int]] = field(default_factory=dict)
    # The show's reconfirmation round (checkin/reconfirmation.py), None when there is none.
    reconfirmation: reconfirmation_counts.Counts | None = None
    # The standby line (checkin/standby.py), None when the show has none.
    standby: dict | None = None
    # Messages to holders (checkin/holder_messages.py): e-mails queued, sent, failed so far.
    messages: dict | None = None

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
        data["reconfirmation"] = self.reconfirmation.to_json(local) if self.reconfirmation else None
        return data


def show_stats(session, show: Show, now: datetime) -> ShowStats:
    tickets = _ticket_counts(session, show.id)
    # Standby passes inside are in the show's inside counter already, like tickets.
    standby_board = standby.board(session, show, now)
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
        conflicts=tickets["conflicts"],
        no_show_share=no_show,
        doors_open_at=show.doors_open_at,
        gates=_gate_counts(session, show.id),
        arrivals=arrivals(session, show.id),
        volunteers=volunteer_counts(session, show.id),
        reconfirmation=reconfirmation_counts.counts(session, show.id),
        standby=standby_board.to_json() if standby_board else None,
        messages=_message_totals(session, show.id),
    )


def _message_totals(session, show_id: int) -> dict | None:
    sent = holder_messages.progress(session, show_id)
    if not sent:
        return None
    return {
        "messages": len(sent),
        "queued": sum(m.queued for m in sent),
        "sent": sum(m.sent for m in sent),
        "failed": sum(m.failed for m in sent),
    }


# Both are ranges of an index (ix_audit_action_object, ix_scans_show_method): hand actions are few.
_LOOKUPS = (
    select(Staff.name, func.count())
    .select_from(AuditEntry)
    .join(Staff, Staff.id == AuditEntry.actor_id)
    .where(AuditEntry.action == LOOKUP_ACTION, AuditEntry.object_id == bindparam("object_id"))
    .group_by(Staff.name)
)
_BY_HAND = (
    select(Staff.name, func.count())
    .select_from(Scan)
    .join(Staff, Staff.id == Scan.staff_id)
    .where(Scan.show_id == bindparam("show_id"), Scan.method == "manual")
    .group_by(Staff.name)
)


def volunteer_counts(session, show_id: int) -> dict[str, dict[str, int]]:
    """{staff name: {"lookups": n, "by_hand": n}} for the show's gates."""
    counts: dict[str, dict[str, int]] = {}
    for kind, statement, params in (
        ("lookups", _LOOKUPS, {"object_id": str(show_id)}),
        ("by_hand", _BY_HAND, {"show_id": show_id}),
    ):
        for name, count in session.execute(statement, params):
            counts.setdefault(name, {"lookups": 0, "by_hand": 0})[kind] = int(count)
    return counts


def _count(model, *conditions):
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


# The conflicts an organiser has to review (the count here, the list in exports.conflict_query).
# Undone rows count nowhere here, conflicts included, so the gates add up to the show.
TO_REVIEW = (Scan.result == CONFLICT, Scan.undone_by_scan_id.is_(None))


def _conflicts():
    return _count(Scan, Scan.show_id == bindparam("show_id"), *TO_REVIEW)


def _ticket_statement():
    """The ticket numbers (and the conflicts to review) in one statement, so they agree with
    each other even while registrations and admissions commit.

    Issued and inside are the show's own counters: the conditional UPDATEs of registration and
    admission keep them equal to the rows in the same transactions (invariants 1, 3, 7), and
    reading them spares two counts of the show's largest index ranges (a third of a poll at
    100,000 tickets)."""
    of_show = Ticket.show_id == bindparam("show_id")
    admitted = Ticket.admitted_at.is_not(None)
    this_show = Show.id == bindparam("show_id")
    counts = {
        "issued": select(Show.issued_count).where(this_show).scalar_subquery(),
        "inside": select(Show.inside_count).where(this_show).scalar_subquery(),
    }
    counts.update(
        {
            status: _count(Ticket, of_show, Ticket.status == status)
            for status in TICKET_STATUSES
            if status != "issued"
        }
    )
    counts["admitted_issued"] = _count(Ticket, of_show, Ticket.status == "issued", admitted)
    # Never expected (cancelling and moving refuse admitted tickets), but counted, not assumed.
    counts["admitted_other"] = _count(
        Ticket, of_show, Ticket.status.in_(("waitlisted", "cancelled")), admitted
    )
    counts["conflicts"] = _conflicts()
    return select(*(value.label(name) for name, value in counts.items()))


# Statements are built once per shape and reused with new values: building a few hundred
# expressions per poll would cost as much as the counting.
_TICKETS = _ticket_statement()
_CONFLICT_COUNT = select(_conflicts())


def _ticket_counts(session, show_id: int) -> dict[str, int]:
    row = session.execute(_TICKETS, {"show_id": show_id}).one()
    return {name: int(value) for name, value in row._mapping.items()}


def conflict_count(session, show_id: int) -> int:
    """The dashboard's "conflicts to review" alone, for the review page."""
    return int(session.execute(_CONFLICT_COUNT, {"show_id": show_id}).scalar_one())


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


_SCAN_RESULTS = (*RESULTS, UNDONE)


@lru_cache(maxsize=16)
def _gate_statement(labels: int):
    """For `labels` gate labels: one count per label and scan result, parameters g0, g1, ..."""
    return select(
        *(
            _count(
                Scan,
                Scan.show_id == bindparam("show_id"),
                Scan.gate == bindparam(f"g{i}"),
                Scan.result == result,
                Scan.undone_by_scan_id.is_(None),
            ).label(f"c{i}_{j}")
            for i in range(labels)
            for j, result in enumerate(_SCAN_RESULTS)
        )
    )


def _gate_counts(session, show_id: int) -> dict[str, GateStats]:
    gates = {
        label: GateStats()
        for label in session.scalars(
            select(Gate.label).where(Gate.show_id == show_id).order_by(Gate.position, Gate.id)
        )
    }
    labels = list(session.scalars(_GATE_LABELS, {"show_id": show_id}))
    if not labels:
        return gates
    counts = iter(
        session.execute(
            _gate_statement(len(labels)),
            {"show_id": show_id, **{f"g{i}": label for i, label in enumerate(labels)}},
        ).one()
    )
    for label in labels:
        gate = gates.setdefault(label, GateStats())
        for result in _SCAN_RESULTS:
            count = next(counts)
            gate.scans += count
            if result in OK_RESULTS:
                setattr(gate, result, getattr(gate, result) + count)
            elif result == CONFLICT:
                gate.conflicts += count
            elif result in REFUSALS and count:
                gate.refused += count
                gate.refusals[result] = count
    return gates


_FIRST_ENTRY = and_(
    Scan.show_id == bindparam("show_id"), Scan.result == "admitted", Scan.undone_by_scan_id.is_(None)
)
_ARRIVAL_SPAN = select(
    select(func.min(Scan.scanned_at)).where(_FIRST_ENTRY).scalar_subquery(),
    select(func.max(Scan.scanned_at)).where(_FIRST_ENTRY).scalar_subquery(),
)


@lru_cache(maxsize=64)
def _arrivals_statement(buckets: int):
    """One count per bucket [b{i}, b{i+1})."""
    return select(
        *(
            _count(
                Scan,
                _FIRST_ENTRY,
                Scan.scanned_at >= bindparam(f"b{i}", type_=DateTime()),
                Scan.scanned_at < bindparam(f"b{i + 1}", type_=DateTime()),
            ).label(f"n{i}")
            for i in range(buckets)
        )
    )


def arrivals(session, show_id: int) -> list[tuple[datetime, int]]:
    """First entries per 5 minutes of the device's scan time, oldest first, empty buckets
    included so that a chart reads as a time axis: the first and last scan times are two
    index seeks, then one range count per bucket."""
    earliest, latest = session.execute(_ARRIVAL_SPAN, {"show_id": show_id}).one()
    if latest is None:
        return []
    last = _bucket(latest)
    first = max(_bucket(earliest), last - MAX_BUCKETS)
    edges = [_EPOCH + timedelta(seconds=b * BUCKET_SECONDS) for b in range(first, last + 2)]
    counts = session.execute(
        _arrivals_statement(len(edges) - 1),
        {"show_id": show_id, **{f"b{i}": edge for i, edge in enumerate(edges)}},
    ).one()
    return list(zip(edges, (int(count) for count in counts), strict=False))


def _bucket(at: datetime) -> int:
    return int((at - _EPOCH).total_seconds()) // BUCKET_SECONDS
