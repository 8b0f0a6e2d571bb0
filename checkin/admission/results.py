"""The scan vocabulary: what a scan can answer, what it asks, and what it reads and decides.

The stored answer (``response``) holds values only; the web layer words it in the reader's
language (checkin/web/scan_messages.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.sql.dml import Update

from ..shows import to_local

# An admission decided offline that the server could not honour, kept for an organiser to review
# (not a refusal: the person was let in); ALREADY_ADMITTED is its reason when another admission
# of the ticket stands.
CONFLICT = "conflict"
ALREADY_ADMITTED = "already_admitted"
RESULTS = (
    "admitted",
    "reentered",
    "exited",
    "already_inside",
    "not_inside",
    "invalid",
    "unknown",
    "wrong_show",
    "cancelled",
    "waitlisted",
    "venue_full",
    "not_open",
    CONFLICT,
)
# What a phone may report it answered when it decided offline.
LOCAL_RESULTS = tuple(result for result in RESULTS if result != CONFLICT)
UNDONE = "undone"
DIRECTIONS = ("in", "out")
# What the volunteer's screen shows: green lets a person through, amber needs a look.
TONES = {
    "admitted": "green",
    "exited": "green",
    "reentered": "amber",
    "not_open": "amber",
    "not_inside": "amber",
    UNDONE: "amber",
    CONFLICT: "amber",
}
OK_RESULTS = frozenset({"admitted", "reentered", "exited"})
CLOCK_SKEW = timedelta(minutes=2)
OFFLINE_GRACE = timedelta(hours=6)
UNDO_WINDOW = timedelta(minutes=1)
GATE_MAX = 40


@dataclass(frozen=True)
class ScanResult:
    result: str
    response: dict[str, Any]
    scan_id: int
    # True when this answer is the stored one of an earlier scan with the same client id.
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.response["ok"])


@dataclass(frozen=True)
class ScanRequest:
    """Who scanned where, and the device's own id and clock for this scan."""

    staff_id: int | None
    gate: str
    direction: str
    client_scan_id: str
    scanned_at: datetime | None
    show_slug: str | None
    now: datetime
    method: str = "qr"
    device: str | None = None
    # Set when the phone decided offline: what it answered (LOCAL_RESULTS).
    local_result: str | None = None
    # What was asked, hashed (request_digest): a client id reused for another request is refused.
    digest: str | None = None

    @property
    def offline(self) -> bool:
        return self.local_result is not None

    @property
    def admission_time(self) -> datetime:
        """An offline admission happened when the phone says (if plausible); others, now."""
        return decision_time(self.scanned_at, self.now) if self.offline else self.now


class TicketState(NamedTuple):
    """What a scan reads of a ticket (a plain row: no ORM object is built on the hot path)."""

    id: int
    show_id: int
    code: str
    name: str
    status: str
    admitted_at: datetime | None
    admitted_gate: str | None
    inside: bool


class ShowState(NamedTuple):
    id: int
    slug: str
    title_vi: str
    title_en: str
    doors_open_at: datetime
    ends_at: datetime
    reentry_allowed: bool


class Found(NamedTuple):
    """The ticket and its show; else the gate's show and why none ("invalid" or "unknown")."""

    ticket: TicketState | None
    show: ShowState | None
    unfound: str | None = None


class Ref(NamedTuple):
    """Which ticket a scan names: by its code (a QR code, a typed code); by id only internally
    (an undo names the ticket of the scan it takes back)."""

    by: str  # "code" or "id"
    value: int | str


class PlaceChange(NamedTuple):
    """A place inside still to take or give back (checkin/places.py), with the ticket's change
    to take back if no place is free: done last, just before the commit. `params` name the
    show and the ticket ("show", "ticket")."""

    taking: bool
    ticket_change_back: Update | None
    params: dict[str, Any]


@dataclass
class Outcome:
    result: str
    ticket: TicketState | None = None
    show: ShowState | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # A conflict's row points to the first entry of the ticket, which stands instead.
    conflict_with: int | None = None
    place: PlaceChange | None = None


class Stale(NamedTuple):
    """The ticket changed between the read a decision was made from and its conditional
    UPDATE (another gate was quicker): read it again, locked, and decide afresh."""


STALE = Stale()


def decision_time(scanned_at: datetime | None, now: datetime) -> datetime:
    """The device's time when it is plausible, else the server's (see checkin.admission)."""
    if scanned_at is not None and now - OFFLINE_GRACE <= scanned_at <= now + CLOCK_SKEW:
        return scanned_at
    return now


def response(outcome: Outcome) -> dict[str, Any]:
    """The stored answer: values only; the web layer words it in the reader's language."""
    answer: dict[str, Any] = {
        "result": outcome.result,
        "ok": outcome.result in OK_RESULTS,
        "tone": TONES.get(outcome.result, "red"),
        **outcome.extra,
    }
    ticket, show = outcome.ticket, outcome.show
    if ticket is not None and show is not None:
        answer["ticket"] = {
            "code": ticket.code,
            "name": ticket.name,
            "show": show.slug,
            "show_title": {"vi": show.title_vi, "en": show.title_en},
        }
        if outcome.result in ("already_inside", "reentered", CONFLICT) and ticket.admitted_at is not None:
            answer["first_admitted_at"] = to_local(ticket.admitted_at).strftime("%H:%M")
            answer["first_gate"] = ticket.admitted_gate
    return answer
