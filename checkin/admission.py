"""Admission at the gate: scans in and out, exactly once, within the venue's capacity.

Every scan, whatever its result, becomes one row of the append-only scan log, written in the
same transaction as the ticket and show changes it causes (invariant 7). Exactly-once
(invariant 2) and capacity (invariant 3) are decided by conditional UPDATEs, never by a
Python check followed by a write; the friendly reads before them only choose the message.

An online scan reads its ticket before its write transaction (on SQLite every writer waits for
the one write lock, so the less done inside, the more gates get through): a refusal is
answered from that read and only logged; a change is made by a conditional UPDATE, and if the
ticket moved on since the read (another gate was quicker), it is read again inside the
transaction and decided afresh. The transaction is Core statements on a connection, so that on
SQLite concurrent scans (and registrations) of a process share one commit
(database.group_write).

Device time (``scanned_at``): a phone that was offline sends its scans late, with the time it
scanned. We store it as given, and trust it only for offline scans, and only when it is
plausible: not ahead of the server by more than CLOCK_SKEW and not older than OFFLINE_GRACE;
otherwise the server's clock decides. An online scan is decided entirely on the server's clock
(doors, day, admission time): a phone whose clock is wrong, or set back, opens no door.

Every scan names its show, or a gate that belongs to one show alone (ShowRequired otherwise): a
ticket of another show is then "wrong_show", never admitted because nobody said which show.

The client id (invariant 6) identifies one request of one volunteer: the same id sent again
with the same request gets the first answer; with another request (payload, code, direction) or
from another volunteer it is refused (ScanIdReused), never answered with someone else's scan.

Offline scans (``local_result`` given: the phone decided alone, see checkin/offline.py) tell
what already happened at the gate, so the server records rather than decides:
- a refusal on the phone changes nothing; it is logged as the phone's answer;
- a move the server cannot honour whenever it happened (unknown ticket, another show, doors
  closed at the device's time, a cancelled or waitlisted ticket) is logged as a ``conflict``
  (an entry) or as the refusal (an exit) and changes nothing;
- any other move (in or out) joins the ticket's history, which is replayed in device-time order
  (checkin/history.py): the ticket's state, the inside counter and every move's result follow
  from that order, not from the order of uploads. A double entry is a ``conflict`` pointing to
  the first entry, for the organisers to review. Only a full venue can still refuse a move
  (capacity is the server's to settle): it is then a conflict and leaves the history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from . import history, places, standby, tickets
from .database import group_write, transaction
from .errors import NothingToUndo, ScanIdReused, ShowRequired
from .extensions import db
from .models import Gate, Scan, Show, Ticket
from .shows import to_local, to_utc
from .signing import Keyring

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
    response: dict
    scan_id: int
    # True when this answer is the stored one of an earlier scan with the same client id.
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.response["ok"]


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


class _TicketState(NamedTuple):
    """What a scan reads of a ticket (a plain row: no ORM object is built on the hot path)."""

    id: int
    show_id: int
    code: str
    name: str
    status: str
    admitted_at: datetime | None
    admitted_gate: str | None
    inside: bool


class _ShowState(NamedTuple):
    id: int
    slug: str
    title_vi: str
    title_en: str
    doors_open_at: datetime
    ends_at: datetime
    reentry_allowed: bool


class _Found(NamedTuple):
    """The ticket and its show; else the gate's show and why none ("invalid" or "unknown")."""

    ticket: _TicketState | None
    show: _ShowState | None
    unfound: str | None = None


class _Ref(NamedTuple):
    """Which ticket a scan names: by its code (a QR code, a typed code); by id only internally
    (an undo names the ticket of the scan it takes back)."""

    by: str  # "code" or "id"
    value: int | str


@dataclass
class _Outcome:
    result: str
    ticket: _TicketState | None = None
    show: _ShowState | None = None
    extra: dict = field(default_factory=dict)
    # A conflict's row points to the first entry of the ticket, which stands instead.
    conflict_with: int | None = None
    # The show's counter still to change (_TAKE_PLACE or _GIVE_PLACE), with the ticket's change
    # to take back if no place is free: done last, just before the commit (see _settle_place).
    place: tuple | None = None


# Built once, run as Core on the transaction's connection: on SQLite every gate queues for the
# one write lock, so whatever Python runs while holding it (building statements, ORM objects,
# a flush) is time every other gate waits; and each statement lets go of the GIL, which the
# lock holder may then wait for behind the worker's other threads. Hence few statements too.
_TICKET_AND_SHOW = select(
    *(getattr(Ticket, name) for name in _TicketState._fields),
    *(getattr(Show, name) for name in _ShowState._fields),
).join(Show, Show.id == Ticket.show_id)
_FIND = {
    "code": _TICKET_AND_SHOW.where(Ticket.code == bindparam("ref")),
    "id": _TICKET_AND_SHOW.where(Ticket.id == bindparam("ref")),
}
# PostgreSQL: the ticket's row held from the read to the end of the transaction, so that what
# is decided from it stands (SQLite's write lock already holds the whole database). Ticket
# before show, the order cancellation takes too.
_FIND_LOCKED = {by: statement.with_for_update(of=Ticket) for by, statement in _FIND.items()}
_SHOW_BY_SLUG = select(*(getattr(Show, name) for name in _ShowState._fields)).where(
    Show.slug == bindparam("slug")
)
# Exactly once (invariant 2): each change of a ticket is conditional on the state it was
# decided from. Ticket.updated_at is set by its onupdate, as for every UPDATE of a ticket.
_FIRST_ENTRY = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket"), Ticket.admitted_at.is_(None), Ticket.status == "issued")
    .values(admitted_at=bindparam("at"), admitted_gate=bindparam("gate"), inside=True)
)
_NO_ENTRY = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket"))
    .values(admitted_at=None, admitted_gate=None, inside=False)
)
_REENTRY = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket"), Ticket.admitted_at.is_not(None), Ticket.inside.is_(False))
    .values(inside=True)
)
_LEAVING = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket"), Ticket.admitted_at.is_not(None), Ticket.inside.is_(True))
    .values(inside=False)
)
# An undone first entry: out again, and the ticket usable as if never scanned.
_UNDO_FIRST_ENTRY = _LEAVING.values(admitted_at=None, admitted_gate=None)
# Capacity (invariant 3): a place inside is taken from the places the ticket's shard holds, or
# from the show's capacity, never above it (checkin/places.py): callables, not statements.
_TAKE_PLACE = places.take
_GIVE_PLACE = places.give
_INSERT_SCAN = insert(Scan)
_STORED = select(Scan.id, Scan.result, Scan.response, Scan.staff_id, Scan.request_digest).where(
    Scan.client_scan_id == bindparam("client_scan_id")
)
_HISTORY = select(
    Scan.id,
    Scan.client_scan_id,
    Scan.direction,
    Scan.offline,
    Scan.scanned_at,
    Scan.recorded_at,
    Scan.gate,
    Scan.result,
    Scan.conflict_with_scan_id,
).where(Scan.ticket_id == bindparam("ticket"), Scan.in_history.is_(True), Scan.undone_by_scan_id.is_(None))
_GATE_SHOWS = (
    select(Show.slug).join(Gate, Gate.show_id == Show.id).where(Gate.label == bindparam("gate")).limit(2)
)


def scan(
    payload_text: str,
    *,
    keyring: Keyring,
    staff,
    gate: str,
    direction: str,
    client_scan_id: str,
    scanned_at: datetime | None,
    show_slug: str | None = None,
    now: datetime,
    method: str = "qr",
    device: str | None = None,
    local_result: str | None = None,
) -> ScanResult:
    """A QR scan: the signature first, then the same checks as a typed code. With
    ``local_result``, a scan the phone decided offline (see the module docstring)."""
    if local_result is not None and local_result not in LOCAL_RESULTS:
        raise ValueError(f"unknown local result {local_result!r}")
    if local_result is None and standby.is_standby_payload(payload_text):
        # A standby pass (checkin/standby.py): its own line, the same scan log and counter.
        response, scan_id, replayed = standby.scan(
            payload_text,
            keyring=keyring,
            staff_id=_staff_id(staff),
            gate=gate,
            direction=direction,
            client_scan_id=client_scan_id,
            show_slug=show_slug or _show_of(show_slug, gate),
            now=now,
        )
        return ScanResult(response["result"], response, scan_id, replayed)
    request = ScanRequest(
        _staff_id(staff),
        gate,
        direction,
        client_scan_id,
        scanned_at,
        _show_of(show_slug, gate),
        now,
        method,
        device,
        local_result,
        _digest(method, direction, payload_text),
    )
    verified = tickets.verify_payload(payload_text, keyring)
    return _run(request, _Ref("code", verified.code) if verified else None)


def admit_ticket(
    code: str,
    *,
    staff,
    gate: str,
    direction: str,
    client_scan_id: str,
    scanned_at: datetime | None = None,
    show_slug: str | None = None,
    now: datetime,
    device: str | None = None,
    then: Callable[[Connection, ScanResult], None] | None = None,
) -> ScanResult:
    """A volunteer admits by hand (from a lookup, or a code read off a cracked screen), naming
    the ticket by its code (with or without the dash), never by a sequential id that a script
    could count through: every check of a scan except the signature, which the attendee's ID
    replaces. `then` runs in the scan's transaction once the scan is recorded (an audit entry),
    so the two commit or roll back together."""
    if not isinstance(code, str):
        raise TypeError("a ticket is admitted by hand by its code")
    # A code that cannot exist matches no ticket: the answer is "unknown", not "invalid".
    parsed = tickets.parse_code(code) or ""
    request = ScanRequest(
        _staff_id(staff),
        gate,
        direction,
        client_scan_id,
        scanned_at,
        _show_of(show_slug, gate),
        now,
        "manual",
        device,
        digest=_digest("manual", direction, parsed),
    )
    return _run(request, _Ref("code", parsed), then)


def _staff_id(staff) -> int | None:
    return staff if isinstance(staff, int) or staff is None else staff.id


def _digest(method: str, direction: str, asked: str) -> str:
    return hashlib.sha256(f"{method}\n{direction}\n{asked}".encode()).hexdigest()


def _show_of(show_slug: str | None, gate: str) -> str:
    """The show a scan is for: named, or the one show that has a gate of this label."""
    if show_slug:
        return show_slug
    slugs = db.session.scalars(_GATE_SHOWS, {"gate": gate}).all()
    if len(slugs) != 1:
        raise ShowRequired()
    return slugs[0]


def _run(
    request: ScanRequest, ref: _Ref | None, then: Callable[[Connection, ScanResult], None] | None = None
) -> ScanResult:
    """Decide, change, record: one transaction.

    An online scan reads its ticket before the transaction, where waiting costs no other gate
    anything, and decides from that read: a refusal only needs its log row, and a change is a
    conditional UPDATE that fails if the ticket moved on meanwhile. Only then is the ticket
    read again, inside the transaction, locked, and the decision taken afresh.

    The transaction is Core on a connection alone, so that on SQLite it can share a group
    commit with the other writers of this process waiting at the same moment
    (database.group_write): in a gate rush, most of a scan's time in the write lock is the
    commit's wait for the disk. A client id seen before is caught by its unique index when the
    row is written (no read first: replays are rare, scans are not); the scan's writes then
    roll back and the stored first answer is returned instead."""
    session = db.session()
    # An offline upload may displace or be displaced by another admission: it reads inside.
    seen = None if request.offline else _find(session.connection(), request, ref)
    if session.in_transaction():
        # The read ends here, so that whatever the caller reads next sees this scan.
        session.commit()
    try:
        return group_write(lambda connection: _in_transaction(connection, request, ref, seen, then))
    except IntegrityError:
        stored = _stored(request)
        if stored is None:
            raise
        return stored


def _in_transaction(
    connection,
    request: ScanRequest,
    ref: _Ref | None,
    seen: _Found | None,
    then: Callable[[Connection, ScanResult], None] | None = None,
) -> ScanResult:
    if request.offline:
        outcome, scan_id = _offline(connection, request, _find(connection, request, ref, locked=True))
        response = outcome.extra.pop("_response")
    else:
        outcome = _check(connection, request, seen)
        if outcome is None:
            outcome = _check(connection, request, _find(connection, request, ref, locked=True))
        response = _response(outcome)
        scan_id = _record(connection, request, outcome, response, in_history=outcome.result in OK_RESULTS)
        if outcome.place is not None:
            outcome, response = _settle_place(connection, outcome, response, scan_id)
    result = ScanResult(outcome.result, response, scan_id)
    if then is not None:
        then(connection, result)
    return result


def _stored(request: ScanRequest, connection=None) -> ScanResult | None:
    """The first answer to a client id: inside the caller's transaction, or a plain read (the
    row that clashed is committed). Only for the same request of the same volunteer."""
    connection = connection if connection is not None else db.session.connection()
    row = connection.execute(_STORED, {"client_scan_id": request.client_scan_id}).first()
    if row is None:
        return None
    if row.staff_id != request.staff_id or (
        row.request_digest is not None and row.request_digest != request.digest
    ):
        raise ScanIdReused()
    return ScanResult(row.result, row.response, row.id, replayed=True)


def _find(connection, request: ScanRequest, ref: _Ref | None, *, locked: bool = False) -> _Found:
    if ref is not None:
        statement = (_FIND_LOCKED if locked else _FIND)[ref.by]
        row = connection.execute(statement, {"ref": ref.value}).first()
        if row is not None:
            split = len(_TicketState._fields)
            return _Found(_TicketState._make(row[:split]), _ShowState._make(row[split:]))
    # Recorded against the gate's show, so that refusals count per show too.
    show = None
    if request.show_slug:
        row = connection.execute(_SHOW_BY_SLUG, {"slug": request.show_slug}).first()
        show = _ShowState._make(row) if row is not None else None
    return _Found(None, show, "invalid" if ref is None else "unknown")


def _offline(connection, request: ScanRequest, found: _Found) -> tuple[_Outcome, int]:
    """A scan the phone decided alone (the ticket read locked): recorded, and if it is a move the
    server can honour whenever it happened, the ticket's history replayed with it. The outcome's
    extra carries the stored answer under "_response"."""
    outcome = _offline_refusal(request, found)
    if outcome is not None:
        response = _response(outcome)
        outcome.extra["_response"] = response
        return outcome, _record(connection, request, outcome, response, in_history=False)
    move = _Outcome(request.local_result, found.ticket, found.show)
    scan_id = _record(connection, request, move, _response(move), in_history=True)
    return _replay(connection, found.ticket, found.show, scan_id), scan_id


def _offline_refusal(request: ScanRequest, found: _Found) -> _Outcome | None:
    """What an offline scan is, when it is not a move of the ticket's history: the phone's own
    refusal, or a move the server refuses whenever it was made (an entry then a conflict)."""
    ticket, show, unfound = found
    if request.local_result not in OK_RESULTS:
        # The phone turned the person away: nothing to change, only to remember.
        return _Outcome(unfound if unfound == "invalid" else request.local_result, ticket, show)
    if unfound is not None:
        refusal = _Outcome(unfound, show=show)
    else:
        refusal = _verdict(
            ticket, show, show_slug=request.show_slug, direction=request.direction, at=request.admission_time
        )
        if refusal.result not in ("wrong_show", "not_open", "cancelled", "waitlisted"):
            refusal = None
    if refusal is None or request.direction != "in":
        return refusal
    # The person was let in: not a refusal but a conflict, for an organiser to review.
    return _Outcome(CONFLICT, refusal.ticket, refusal.show, {"conflict": refusal.result, **refusal.extra})


def _move_time(offline: bool, scanned_at: datetime, recorded_at: datetime) -> datetime:
    return decision_time(scanned_at, recorded_at) if offline else recorded_at


def _replay(connection, ticket: _TicketState, show: _ShowState, scan_id: int) -> _Outcome:
    """The ticket's moves replayed in the order they were made (checkin/history.py); the ticket,
    the inside counter (by the difference) and every move whose result changed, rewritten."""
    rows = connection.execute(_HISTORY, {"ticket": ticket.id}).all()
    replayed = history.replay(
        (
            history.Move(
                row.id,
                row.client_scan_id,
                row.direction,
                _move_time(row.offline, row.scanned_at, row.recorded_at),
                row.gate,
            )
            for row in rows
        ),
        reentry_allowed=show.reentry_allowed,
    )
    change = int(replayed.inside) - int(ticket.inside)
    if change > 0 and not _TAKE_PLACE(connection, show.id, ticket.id):
        # Full: this move cannot be honoured; it leaves the history, which stays as it was.
        outcome = _Outcome(CONFLICT, ticket, show, {"conflict": "venue_full"})
        response = _response(outcome)
        connection.execute(
            update(Scan)
            .where(Scan.id == scan_id)
            .values(result=CONFLICT, in_history=False, response=response)
        )
        outcome.extra["_response"] = response
        return outcome
    if change < 0:
        _GIVE_PLACE(connection, show.id, ticket.id)
    after = ticket._replace(
        admitted_at=replayed.admitted_at, admitted_gate=replayed.admitted_gate, inside=replayed.inside
    )
    if after != ticket:
        connection.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(admitted_at=after.admitted_at, admitted_gate=after.admitted_gate, inside=after.inside)
        )
    mine = None
    for row in rows:
        verdict = replayed.verdicts[row.id]
        extra = {"conflict": ALREADY_ADMITTED} if verdict.result == CONFLICT else {}
        outcome = _Outcome(verdict.result, after, show, extra, verdict.conflict_with)
        if row.id == scan_id:
            mine = outcome
        elif (row.result, row.conflict_with_scan_id) == verdict:
            continue
        values = {"result": verdict.result, "conflict_with_scan_id": verdict.conflict_with}
        if row.offline:
            # An offline answer is the server's account of the scan; an online one was given live.
            values["response"] = _response(outcome)
        connection.execute(update(Scan).where(Scan.id == row.id).values(**values))
        if row.id == scan_id:
            outcome.extra = {**extra, "_response": values["response"]}
    return mine


def _check(connection, request: ScanRequest, found: _Found) -> _Outcome | None:
    """An online scan: the verdict, and the change it calls for made by a conditional UPDATE
    (None if the ticket changed since it was read)."""
    ticket, show, unfound = found
    if unfound is not None:
        return _Outcome(unfound, show=show)
    outcome = _verdict(
        ticket, show, show_slug=request.show_slug, direction=request.direction, at=request.admission_time
    )
    if outcome.result == "exited":
        place = _exit(connection, ticket, show)
    elif outcome.result == "admitted":
        place = _move_in(
            connection,
            _FIRST_ENTRY,
            _NO_ENTRY,
            {"ticket": ticket.id, "show": show.id, "at": request.admission_time, "gate": request.gate},
        )
    elif outcome.result == "reentered":
        place = _move_in(connection, _REENTRY, _LEAVING, {"ticket": ticket.id, "show": show.id})
    else:
        return outcome
    if place is None:
        return None
    if isinstance(place, str):
        return _Outcome(place, ticket, show)
    return _Outcome(outcome.result, ticket, show, place=place)


def _verdict(
    ticket: _TicketState, show: _ShowState, *, show_slug: str | None, direction: str, at: datetime
) -> _Outcome:
    """The checks in order (after the signature and the ticket's existence): show, day and
    doors, ticket state, then the move; capacity is the UPDATE's to settle."""
    if show_slug and show.slug != show_slug:
        return _Outcome("wrong_show", ticket, show)
    if direction == "in":
        closed = _doors_closed(show, at)
        if closed is not None:
            return _Outcome("not_open", ticket, show, closed)
    if ticket.status in ("cancelled", "waitlisted"):
        return _Outcome(ticket.status, ticket, show)
    if direction == "out":
        return _Outcome(
            "exited" if ticket.admitted_at is not None and ticket.inside else "not_inside", ticket, show
        )
    if ticket.admitted_at is None:
        return _Outcome("admitted", ticket, show)
    if show.reentry_allowed and not ticket.inside:
        return _Outcome("reentered", ticket, show)
    return _Outcome("already_inside", ticket, show)


def preview(
    ticket: Ticket, show: Show, *, show_slug: str, direction: str, now: datetime
) -> tuple[dict, bool]:
    """What a scan of this ticket at a gate of `show_slug` would answer now, without scanning
    (the hand lookup's words), and whether it would let the person in or out."""
    state = _TicketState(*(getattr(ticket, name) for name in _TicketState._fields))
    show_state = _ShowState(*(getattr(show, name) for name in _ShowState._fields))
    outcome = _verdict(state, show_state, show_slug=show_slug, direction=direction, at=now)
    if outcome.result in ("admitted", "reentered") and show.inside_count >= show.venue_capacity:
        outcome = _Outcome("venue_full", state, show_state)
    return _response(outcome), outcome.result in OK_RESULTS


def decision_time(scanned_at: datetime | None, now: datetime) -> datetime:
    """The device's time when it is plausible, else the server's (see the module docstring)."""
    if scanned_at is not None and now - OFFLINE_GRACE <= scanned_at <= now + CLOCK_SKEW:
        return scanned_at
    return now


def show_day_end(show: Show) -> datetime:
    """Midnight (festival time) after the show ends: a gate admits until then."""
    local_end = to_local(show.ends_at)
    return to_utc(datetime.combine(local_end.date() + timedelta(days=1), time(0)))


def _doors_closed(show: _ShowState, at: datetime) -> dict | None:
    if at < show.doors_open_at:
        doors = to_local(show.doors_open_at)
        return {"doors_open_at": doors.strftime("%H:%M"), "doors_open_on": doors.strftime("%d/%m")}
    if at >= show_day_end(show):
        return {"show_over": True}
    return None


def _move_in(connection, ticket_change, ticket_change_back, params: dict) -> tuple | None:
    """The ticket's change; the place inside it needs, still to take (_settle_place). None if
    the ticket changed since it was read."""
    if connection.execute(ticket_change, params).rowcount == 0:
        return None
    return (_TAKE_PLACE, ticket_change_back, params)


def _exit(connection, ticket: _TicketState, show: _ShowState) -> tuple | str | None:
    if ticket.admitted_at is None or not ticket.inside:
        return "not_inside"
    if connection.execute(_LEAVING, {"ticket": ticket.id}).rowcount == 0:
        return None
    return (_GIVE_PLACE, None, {"show": show.id, "ticket": ticket.id})


def _settle_place(connection, outcome: _Outcome, response: dict, scan_id: int) -> tuple[_Outcome, dict]:
    """The show's inside counter, changed as the transaction's last statement: on PostgreSQL
    its UPDATE locks the show's row, which every gate of the show needs, until the commit; so
    it is held for that one statement and the commit, not across the ticket's change, the scan's
    row and the Python between them (issue 20). Capacity (invariant 3) is still the conditional
    UPDATE's to decide: if no place is free, the ticket's change is taken back (by hand rather
    than by a SAVEPOINT, which would cost every admission two more statements for the sake of a
    rare refusal; nobody else can have seen it) and the scan's row says venue_full."""
    counter, ticket_change_back, params = outcome.place
    if counter(connection, params["show"], params["ticket"]) or ticket_change_back is None:
        return outcome, response
    connection.execute(ticket_change_back, params)
    refused = _Outcome("venue_full", outcome.ticket, outcome.show)
    response = _response(refused)
    connection.execute(
        update(Scan)
        .where(Scan.id == scan_id)
        .values(result="venue_full", response=response, in_history=False)
    )
    return refused, response


def _response(outcome: _Outcome) -> dict:
    """The stored answer: values only; the web layer words it in the reader's language."""
    response = {
        "result": outcome.result,
        "ok": outcome.result in OK_RESULTS,
        "tone": TONES.get(outcome.result, "red"),
        **outcome.extra,
    }
    ticket, show = outcome.ticket, outcome.show
    if ticket is not None:
        response["ticket"] = {
            "code": ticket.code,
            "name": ticket.name,
            "show": show.slug,
            "show_title": {"vi": show.title_vi, "en": show.title_en},
        }
        if outcome.result in ("already_inside", "reentered", CONFLICT) and ticket.admitted_at is not None:
            response["first_admitted_at"] = to_local(ticket.admitted_at).strftime("%H:%M")
            response["first_gate"] = ticket.admitted_gate
    return response


def _record(
    connection,
    request: ScanRequest,
    outcome: _Outcome,
    response: dict,
    *,
    reason: str | None = None,
    in_history: bool = False,
) -> int:
    """The scan's row in the log; its id."""
    return connection.execute(
        _INSERT_SCAN,
        {
            "client_scan_id": request.client_scan_id,
            "staff_id": request.staff_id,
            "ticket_id": outcome.ticket.id if outcome.ticket is not None else None,
            "show_id": outcome.show.id if outcome.show is not None else None,
            "gate": request.gate,
            "direction": request.direction,
            "result": outcome.result,
            "method": request.method,
            "device": request.device,
            "reason": reason,
            "scanned_at": request.scanned_at or request.now,
            "recorded_at": request.now,
            "response": response,
            "offline": request.offline,
            "conflict_with_scan_id": outcome.conflict_with,
            "request_digest": request.digest,
            "local_result": request.local_result,
            "in_history": in_history,
        },
    ).inserted_primary_key[0]


def undo_last_admission(
    *, staff, reason: str, gate: str, client_scan_id: str, now: datetime, device: str | None = None
) -> ScanResult:
    """Takes back the volunteer's own last admission of the last minute (a wrong person let
    in, a tap too many): the ticket is usable again and its place inside is freed. A new scan
    row records the undo and its reason; the original row stays, pointing to it."""
    staff_id = _staff_id(staff)
    request = ScanRequest(
        staff_id,
        gate,
        "in",
        client_scan_id,
        None,
        None,
        now,
        "undo",
        device,
        digest=_digest("undo", "in", ""),
    )
    try:
        with transaction() as session:
            connection = session.connection()
            stored = _stored(request, connection)
            if stored is not None:
                return stored
            original = connection.execute(
                select(Scan.id, Scan.ticket_id, Scan.result, Scan.recorded_at, Scan.undone_by_scan_id)
                .where(Scan.staff_id == staff_id, Scan.result.in_(("admitted", "reentered")))
                .order_by(Scan.id.desc())
                .limit(1)
            ).first()
            if (
                original is None
                or original.undone_by_scan_id is not None
                or original.recorded_at < now - UNDO_WINDOW
            ):
                raise NothingToUndo()
            ticket, show, _ = _find(connection, request, _Ref("id", original.ticket_id), locked=True)
            back = _UNDO_FIRST_ENTRY if original.result == "admitted" else _LEAVING
            if connection.execute(back, {"ticket": ticket.id}).rowcount == 0:
                raise NothingToUndo()  # the person has meanwhile been scanned out
            _GIVE_PLACE(connection, show.id, ticket.id)
            outcome = _Outcome(UNDONE, ticket, show)
            response = _response(outcome)
            response["undone_result"] = original.result
            scan_id = _record(connection, request, outcome, response, reason=reason[:200])
            if (
                connection.execute(
                    update(Scan)
                    .where(Scan.id == original.id, Scan.undone_by_scan_id.is_(None))
                    .values(undone_by_scan_id=scan_id)
                ).rowcount
                == 0
            ):
                raise NothingToUndo()
            return ScanResult(UNDONE, response, scan_id)
    except IntegrityError:
        stored = _stored(request)
        if stored is None:
            raise
        return stored


@dataclass(frozen=True)
class Counters:
    gate_admitted: int
    inside: int
    capacity: int


def counters(session, show_slug: str, gate: str) -> Counters | None:
    show = session.scalar(select(Show).where(Show.slug == show_slug))
    if show is None:
        return None
    at_gate = session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.show_id == show.id, Ticket.admitted_gate == gate, Ticket.admitted_at.is_not(None))
    )
    return Counters(at_gate, show.inside_count, show.venue_capacity)
