"""The live numbers of a show, each one kept by the database (never a Python loop over rows),
so the dashboard agrees with a direct count of the database.

A poll costs the same at 1,000 tickets and at 1,000,000 (issue 20): the show's own counters
(issued, inside) and the table show_counts, which database triggers keep in the same
transactions as the tickets and scans they count (migration 0013), split into shards so that
two gates' writers do not queue on one row; a number is the sum of its shards, all read by one
statement (one snapshot, one round trip).

Conflicts (admissions decided offline that the server could not honour, checkin/offline.py)
are counted like the rest: the scans whose result is 'conflict', per gate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, literal, select, union_all

from . import holder_messages, standby
from . import reconfirmation as reconfirmation_counts
from .admission import CONFLICT, OK_RESULTS, RESULTS, UNDONE
from .gate_lookup import LOOKUP_ACTION
from .models import AuditEntry, Gate, Scan, Show, ShowCount, Staff

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
    counts = _counts(session, show.id)
    tickets = _ticket_counts(counts)
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
        gates=_gate_counts(session, show.id, counts),
        arrivals=_arrivals(counts),
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
_CONFLICT_COUNT = select(_count(Scan, Scan.show_id == bindparam("show_id"), *TO_REVIEW))


def conflict_count(session, show_id: int) -> int:
    """The dashboard's "conflicts to review" alone, for the review page."""
    return int(session.execute(_CONFLICT_COUNT, {"show_id": show_id}).scalar_one())


# Every number of a poll in one statement, so they agree with each other even while
# registrations and admissions commit: the show's own counters (issued, inside: the conditional
# UPDATEs of registration and admission keep them equal to the rows, invariants 1, 3, 7) and
# the sums of the shards of show_counts, which triggers keep in the transactions that change
# the tickets and scans (migration 0013). A few hundred rows whatever the crowd: O(1) of it.
_COUNTS = union_all(
    select(literal("issued").label("name"), Show.issued_count.label("n")).where(
        Show.id == bindparam("show_id")
    ),
    select(literal("inside"), Show.inside_count).where(Show.id == bindparam("show_id")),
    select(ShowCount.name, func.sum(ShowCount.n))
    .where(ShowCount.show_id == bindparam("show_id"))
    .group_by(ShowCount.name),
)


def _counts(session, show_id: int) -> dict[str, int]:
    return {name: int(n) for name, n in session.execute(_COUNTS, {"show_id": show_id})}


def _ticket_counts(counts: dict[str, int]) -> dict[str, int]:
    return {
        "issued": counts.get("issued", 0),
        "inside": counts.get("inside", 0),
        "waitlisted": counts.get("waitlisted", 0),
        "cancelled": counts.get("cancelled", 0),
        "admitted_issued": counts.get("admitted_issued", 0),
        # Never expected (cancelling and moving refuse admitted tickets), but counted, not assumed.
        "admitted_other": counts.get("admitted_other", 0),
        "conflicts": sum(n for name, n in counts.items() if name.startswith(f"g:{CONFLICT}:")),
    }


_SCAN_RESULTS = (*RESULTS, UNDONE)


def _gate_counts(session, show_id: int, counts: dict[str, int]) -> dict[str, GateStats]:
    """The configured gates in their order, then every other label scanned at, by name."""
    gates = {
        label: GateStats()
        for label in session.scalars(
            select(Gate.label).where(Gate.show_id == show_id).order_by(Gate.position, Gate.id)
        )
    }
    by_label: dict[str, dict[str, int]] = {}
    for name, count in counts.items():
        if name.startswith("g:"):
            result, label = name[2:].split(":", 1)
            by_label.setdefault(label, {})[result] = count
    for label in sorted(by_label):
        gate = gates.setdefault(label, GateStats())
        for result, count in by_label[label].items():
            if result not in _SCAN_RESULTS:
                continue
            gate.scans += count
            if result in OK_RESULTS:
                setattr(gate, result, getattr(gate, result) + count)
            elif result == CONFLICT:
                gate.conflicts += count
            elif result in REFUSALS and count:
                gate.refused += count
                gate.refusals[result] = count
    return gates


def _arrivals(counts: dict[str, int]) -> list[tuple[datetime, int]]:
    """First entries per 5 minutes of the device's scan time, oldest first, empty buckets
    included so that a chart reads as a time axis; at most MAX_BUCKETS before the last."""
    per_bucket = {int(name[2:]): n for name, n in counts.items() if name.startswith("a:") and n}
    if not per_bucket:
        return []
    last = max(per_bucket)
    first = max(min(per_bucket), last - MAX_BUCKETS)
    return [
        (_EPOCH + timedelta(seconds=b * BUCKET_SECONDS), per_bucket.get(b, 0)) for b in range(first, last + 1)
    ]


def arrivals(session, show_id: int) -> list[tuple[datetime, int]]:
    return _arrivals(_counts(session, show_id))
