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
scanned. We store it as given, and trust it only when it is plausible: not ahead of the server
by more than CLOCK_SKEW and not older than OFFLINE_GRACE; otherwise the server's clock
decides. An online scan uses it for the doors check only ("was the gate open when this person
stood there?"); its admission time is the server's.

Offline scans (``local_result`` given: the phone decided alone, see checkin/offline.py) tell
what already happened at the gate, so the server records rather than decides:
- a refusal on the phone changes nothing; it is logged as the phone's answer;
- an admission on the phone is applied at the device's (plausible) time. When the server
  cannot honour it (the ticket was cancelled, the venue is full, another gate admitted it
  first...), it is logged as a ``conflict`` for the organisers to review, and changes nothing.
  Between two admissions of one ticket the earliest stands, whatever order they arrive in: a
  late admission scanned before the standing one takes its place, and the one it displaces is
  re-labelled ``conflict``, pointing to it. Counters follow the standing admission only, so
  they equal the log after any order of uploads.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from . import tickets
from .database import group_write, transaction
from .errors import NothingToUndo
from .extensions import db
from .folding import fold, folded, like_pattern
from .models import Scan, Show, Ticket
from .personal_data import normalize_phone
from .shows import to_local, to_utc
from .signing import Keyring

# An admission decided offline that the server could not honour, kept for an organiser to review
# (not a refusal: the person was let in); ALREADY_ADMITTED is its reason when another admission
# of the ticket stands.
CONFLICT = "conflict"
ALREADY_ADMITTED = "already_admitted"
RESULTS = ("admitted", "reentered", "exited", "already_inside", "not_inside", "invalid", "unknown",
           "wrong_show", "cancelled", "waitlisted", "venue_full", "not_open", CONFLICT)
# What a phone may report it answered when it decided offline.
LOCAL_RESULTS = tuple(result for result in RESULTS if result != CONFLICT)
UNDONE = "undone"
DIRECTIONS = ("in", "out")
# What the volunteer's screen shows: green lets a person through, amber needs a look.
TONES = {"admitted": "green", "exited": "green", "reentered": "amber", "not_open": "amber",
         "not_inside": "amber", UNDONE: "amber", CONFLICT: "amber"}
OK_RESULTS = frozenset({"admitted", "reentered", "exited"})
CLOCK_SKEW = timedelta(minutes=2)
OFFLINE_GRACE = timedelta(hours=6)
UNDO_WINDOW = timedelta(minutes=1)
LOOKUP_LIMIT = 10
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
    """Which ticket a scan names: by its code (a QR code, a typed code) or by its id (a lookup)."""

    by: str  # "code" or "id"
    value: int | str


@dataclass
class _Outcome:
    result: str
    ticket: _TicketState | None = None
    show: _ShowState | None = None
    extra: dict = field(default_factory=dict)
    # The scan row of an admission this one stands in for, or the one that stands instead.
    supersedes: int | None = None
    conflict_with: int | None = None


# Built once, run as Core on the transaction's connection: on SQLite every gate queues for the
# one write lock, so whatever Python runs while holding it (building statements, ORM objects,
# a flush) is time every other gate waits; and each statement lets go of the GIL, which the
# lock holder may then wait for behind the worker's other threads. Hence few statements too.
_TICKET_AND_SHOW = (select(*(getattr(Ticket, name) for name in _TicketState._fields),
                           *(getattr(Show, name) for name in _ShowState._fields))
                    .join(Show, Show.id == Ticket.show_id))
_FIND = {"code": _TICKET_AND_SHOW.where(Ticket.code == bindparam("ref")),
         "id": _TICKET_AND_SHOW.where(Ticket.id == bindparam("ref"))}
# PostgreSQL: the ticket's row held from the read to the end of the transaction, so that what
# is decided from it stands (SQLite's write lock already holds the whole database). Ticket
# before show, the order cancellation takes too.
_FIND_LOCKED = {by: statement.with_for_update(of=Ticket) for by, statement in _FIND.items()}
_SHOW_BY_SLUG = select(*(getattr(Show, name) for name in _ShowState._fields)).where(Show.slug == bindparam("slug"))
# Exactly once (invariant 2): each change of a ticket is conditional on the state it was
# decided from. Ticket.updated_at is set by its onupdate, as for every UPDATE of a ticket.
_FIRST_ENTRY = (update(Ticket)
                .where(Ticket.id == bindparam("ticket"), Ticket.admitted_at.is_(None), Ticket.status == "issued")
                .values(admitted_at=bindparam("at"), admitted_gate=bindparam("gate"), inside=True))
_NO_ENTRY = update(Ticket).where(Ticket.id == bindparam("ticket")).values(admitted_at=None, admitted_gate=None,
                                                                           inside=False)
_REENTRY = (update(Ticket)
            .where(Ticket.id == bindparam("ticket"), Ticket.admitted_at.is_not(None), Ticket.inside.is_(False))
            .values(inside=True))
_LEAVING = (update(Ticket)
            .where(Ticket.id == bindparam("ticket"), Ticket.admitted_at.is_not(None), Ticket.inside.is_(True))
            .values(inside=False))
# An undone first entry: out again, and the ticket usable as if never scanned.
_UNDO_FIRST_ENTRY = _LEAVING.values(admitted_at=None, admitted_gate=None)
# Capacity (invariant 3): a place inside is taken by the show's counter, never above capacity.
_TAKE_PLACE = (update(Show).where(Show.id == bindparam("show"), Show.inside_count < Show.venue_capacity)
               .values(inside_count=Show.inside_count + 1))
_GIVE_PLACE = (update(Show).where(Show.id == bindparam("show"), Show.inside_count > 0)
               .values(inside_count=Show.inside_count - 1))
_INSERT_SCAN = insert(Scan)
_STORED = select(Scan.id, Scan.result, Scan.response).where(Scan.client_scan_id == bindparam("client_scan_id"))


def scan(payload_text: str, *, keyring: Keyring, staff, gate: str, direction: str,
         client_scan_id: str, scanned_at: datetime | None, show_slug: str | None = None,
         now: datetime, method: str = "qr", device: str | None = None,
         local_result: str | None = None) -> ScanResult:
    """A QR scan: the signature first, then the same checks as a typed code. With
    ``local_result``, a scan the phone decided offline (see the module docstring)."""
    if local_result is not None and local_result not in LOCAL_RESULTS:
        raise ValueError(f"unknown local result {local_result!r}")
    request = ScanRequest(_staff_id(staff), gate, direction, client_scan_id, scanned_at, show_slug,
                          now, method, device, local_result)
    verified = tickets.verify_payload(payload_text, keyring)
    return _run(request, _Ref("code", verified.code) if verified else None)


def admit_ticket(ticket_ref: int | str, *, staff, gate: str, direction: str, client_scan_id: str,
                 scanned_at: datetime | None = None, show_slug: str | None = None, now: datetime,
                 device: str | None = None,
                 then: Callable[[Connection, ScanResult], None] | None = None) -> ScanResult:
    """A volunteer admits by hand (from a lookup, or a code read off a cracked screen):
    every check of a scan except the signature, which the attendee's ID replaces. `then` runs
    in the scan's transaction once the scan is recorded (an organiser's audit entry), so the
    two commit or roll back together."""
    request = ScanRequest(_staff_id(staff), gate, direction, client_scan_id, scanned_at, show_slug,
                          now, "manual", device)
    if isinstance(ticket_ref, int):
        return _run(request, _Ref("id", ticket_ref), then)
    # A code that cannot exist matches no ticket: the answer is "unknown", not "invalid".
    return _run(request, _Ref("code", tickets.parse_code(ticket_ref) or ""), then)


def _staff_id(staff) -> int | None:
    return staff if isinstance(staff, int) or staff is None else staff.id


def _run(request: ScanRequest, ref: _Ref | None,
         then: Callable[[Connection, ScanResult], None] | None = None) -> ScanResult:
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
        stored = _stored(request.client_scan_id)
        if stored is None:
            raise
        return stored


def _in_transaction(connection, request: ScanRequest, ref: _Ref | None, seen: _Found | None,
                    then: Callable[[Connection, ScanResult], None] | None = None) -> ScanResult:
    outcome = _decide(connection, request, seen) if seen is not None else None
    if outcome is None:
        outcome = _decide(connection, request, _find(connection, request, ref, locked=True))
    response = _response(outcome)
    scan_id = _record(connection, request, outcome, response)
    if outcome.supersedes is not None:
        # The displaced admission, and the conflicts that pointed to it, now point here.
        connection.execute(update(Scan).where(Scan.id == outcome.supersedes, Scan.result == "admitted")
                           .values(result=CONFLICT, conflict_with_scan_id=scan_id))
        connection.execute(update(Scan).where(Scan.ticket_id == outcome.ticket.id,
                                              Scan.conflict_with_scan_id == outcome.supersedes)
                           .values(conflict_with_scan_id=scan_id))
    result = ScanResult(outcome.result, response, scan_id)
    if then is not None:
        then(connection, result)
    return result


def _stored(client_scan_id: str, connection=None) -> ScanResult | None:
    """The first answer to a client id: inside the caller's transaction, or a plain read (the
    row that clashed is committed)."""
    connection = connection if connection is not None else db.session.connection()
    row = connection.execute(_STORED, {"client_scan_id": client_scan_id}).first()
    if row is None:
        return None
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


def _decide(connection, request: ScanRequest, found: _Found) -> _Outcome | None:
    """None when a change was decided from a read that the ticket has since moved on from (never
    after a locked read: nobody else can change the ticket then)."""
    if request.local_result is None:
        return _check(connection, request, found)
    if request.local_result not in OK_RESULTS:
        # The phone turned the person away: nothing to change, only to remember.
        result = found.unfound if found.unfound == "invalid" else request.local_result
        return _Outcome(result, found.ticket, found.show)
    outcome = _check(connection, request, found)
    if request.local_result != "admitted" or outcome.result in OK_RESULTS:
        return outcome
    if outcome.result == "already_inside":
        return _earliest_admission_stands(connection, request, outcome)
    return _Outcome(CONFLICT, outcome.ticket, outcome.show, {"conflict": outcome.result, **outcome.extra})


def _earliest_admission_stands(connection, request: ScanRequest, outcome: _Outcome) -> _Outcome:
    """Two admissions of one ticket: the one scanned first stands, in whatever order they came.
    The ticket was read locked, so no other late admission displaces the standing one between
    reading it and pointing this scan's conflict to it."""
    ticket, show = outcome.ticket, outcome.show
    at = request.admission_time
    standing = connection.scalar(
        select(Scan.id).where(Scan.ticket_id == ticket.id, Scan.result == "admitted",
                              Scan.undone_by_scan_id.is_(None))
        .order_by(Scan.id.desc()).limit(1))
    if ticket.admitted_at is not None and at < ticket.admitted_at:
        earlier = (update(Ticket)
                   .where(Ticket.id == ticket.id, Ticket.admitted_at == ticket.admitted_at)
                   .values(admitted_at=at, admitted_gate=request.gate))
        if connection.execute(earlier).rowcount == 1:
            return _Outcome("admitted", ticket, show, supersedes=standing)
    return _Outcome(CONFLICT, ticket, show, {"conflict": ALREADY_ADMITTED}, conflict_with=standing)


def _check(connection, request: ScanRequest, found: _Found) -> _Outcome | None:
    """The checks in order: signature, ticket, show, day and doors, ticket state, capacity."""
    ticket, show, unfound = found
    if unfound is not None:
        return _Outcome(unfound, show=show)
    if request.show_slug and show.slug != request.show_slug:
        return _Outcome("wrong_show", ticket, show)
    if request.direction == "in":
        closed = _doors_closed(show, decision_time(request.scanned_at, request.now))
        if closed is not None:
            return _Outcome("not_open", ticket, show, closed)
    if ticket.status in ("cancelled", "waitlisted"):
        return _Outcome(ticket.status, ticket, show)
    if request.direction == "out":
        result = _exit(connection, ticket, show)
    else:
        result = _enter(connection, ticket, show, request)
    return None if result is None else _Outcome(result, ticket, show)


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


def _enter(connection, ticket: _TicketState, show: _ShowState, request: ScanRequest) -> str | None:
    if ticket.admitted_at is None:
        return _move_in(connection, _FIRST_ENTRY, _NO_ENTRY, "admitted",
                        {"ticket": ticket.id, "show": show.id, "at": request.admission_time, "gate": request.gate})
    if show.reentry_allowed and not ticket.inside:
        return _move_in(connection, _REENTRY, _LEAVING, "reentered", {"ticket": ticket.id, "show": show.id})
    return "already_inside"


def _move_in(connection, ticket_change, ticket_change_back, result: str, params: dict) -> str | None:
    """The ticket's change and a place inside, both or neither; None if the ticket changed
    since it was read."""
    if connection.execute(ticket_change, params).rowcount == 0:
        return None
    if connection.execute(_TAKE_PLACE, params).rowcount == 0:
        # Full: the ticket must stay usable, so its change is taken back with the refusal. Taken
        # back by hand rather than by a SAVEPOINT, which would cost every admission two more
        # statements for the sake of a rare refusal; nobody else can have seen the change.
        connection.execute(ticket_change_back, params)
        return "venue_full"
    return result


def _exit(connection, ticket: _TicketState, show: _ShowState) -> str | None:
    if ticket.admitted_at is None or not ticket.inside:
        return "not_inside"
    if connection.execute(_LEAVING, {"ticket": ticket.id}).rowcount == 0:
        return None
    connection.execute(_GIVE_PLACE, {"show": show.id})
    return "exited"


def _response(outcome: _Outcome) -> dict:
    """The stored answer: values only; the web layer words it in the reader's language."""
    response = {"result": outcome.result, "ok": outcome.result in OK_RESULTS,
                "tone": TONES.get(outcome.result, "red"), **outcome.extra}
    ticket, show = outcome.ticket, outcome.show
    if ticket is not None:
        response["ticket"] = {"code": ticket.code, "name": ticket.name, "show": show.slug,
                              "show_title": {"vi": show.title_vi, "en": show.title_en}}
        if outcome.result in ("already_inside", "reentered", CONFLICT) and ticket.admitted_at is not None:
            response["first_admitted_at"] = to_local(ticket.admitted_at).strftime("%H:%M")
            response["first_gate"] = ticket.admitted_gate
    return response


def _record(connection, request: ScanRequest, outcome: _Outcome, response: dict, *,
            reason: str | None = None) -> int:
    """The scan's row in the log; its id."""
    return connection.execute(_INSERT_SCAN, {
        "client_scan_id": request.client_scan_id, "staff_id": request.staff_id,
        "ticket_id": outcome.ticket.id if outcome.ticket is not None else None,
        "show_id": outcome.show.id if outcome.show is not None else None,
        "gate": request.gate, "direction": request.direction, "result": outcome.result,
        "method": request.method, "device": request.device, "reason": reason,
        "scanned_at": request.scanned_at or request.now, "recorded_at": request.now, "response": response,
        "offline": request.offline, "conflict_with_scan_id": outcome.conflict_with,
    }).inserted_primary_key[0]


def undo_last_admission(*, staff, reason: str, gate: str, client_scan_id: str, now: datetime,
                        device: str | None = None) -> ScanResult:
    """Takes back the volunteer's own last admission of the last minute (a wrong person let
    in, a tap too many): the ticket is usable again and its place inside is freed. A new scan
    row records the undo and its reason; the original row stays, pointing to it."""
    staff_id = _staff_id(staff)
    request = ScanRequest(staff_id, gate, "in", client_scan_id, None, None, now, "undo", device)
    try:
        with transaction() as session:
            connection = session.connection()
            stored = _stored(client_scan_id, connection)
            if stored is not None:
                return stored
            original = connection.execute(
                select(Scan.id, Scan.ticket_id, Scan.result, Scan.recorded_at, Scan.undone_by_scan_id)
                .where(Scan.staff_id == staff_id, Scan.result.in_(("admitted", "reentered")))
                .order_by(Scan.id.desc()).limit(1)).first()
            if original is None or original.undone_by_scan_id is not None \
                    or original.recorded_at < now - UNDO_WINDOW:
                raise NothingToUndo()
            ticket, show, _ = _find(connection, request, _Ref("id", original.ticket_id), locked=True)
            back = _UNDO_FIRST_ENTRY if original.result == "admitted" else _LEAVING
            if connection.execute(back, {"ticket": ticket.id}).rowcount == 0:
                raise NothingToUndo()  # the person has meanwhile been scanned out
            connection.execute(_GIVE_PLACE, {"show": show.id})
            outcome = _Outcome(UNDONE, ticket, show)
            response = _response(outcome)
            response["undone_result"] = original.result
            scan_id = _record(connection, request, outcome, response, reason=reason[:200])
            if connection.execute(update(Scan).where(Scan.id == original.id, Scan.undone_by_scan_id.is_(None))
                                  .values(undone_by_scan_id=scan_id)).rowcount == 0:
                raise NothingToUndo()
            return ScanResult(UNDONE, response, scan_id)
    except IntegrityError:
        stored = _stored(client_scan_id)
        if stored is None:
            raise
        return stored


@dataclass(frozen=True)
class Found:
    """A lookup's row: enough for a volunteer to compare with an ID card, nothing more."""

    id: int
    code: str
    name: str
    phone_tail: str
    birth_year: int
    status: str
    admitted_at: str | None
    admitted_gate: str | None
    inside: bool


def lookup(session, show_slug: str, query: str, *, limit: int = LOOKUP_LIMIT) -> list[Found]:
    """Tickets of one show by code, phone number or part of the name."""
    show = session.scalar(select(Show).where(Show.slug == show_slug))
    query = (query or "").strip()
    if show is None or not query:
        return []
    base = select(Ticket).where(Ticket.show_id == show.id)
    code = tickets.parse_code(query)
    if code is not None:
        rows = list(session.scalars(base.where(Ticket.code == code)))
        if rows:
            return [_found(t) for t in rows]
    if sum(ch.isdigit() for ch in query) >= 9:
        phone = normalize_phone(query, {})
        if phone is None:
            return []
        return [_found(t) for t in session.scalars(base.where(Ticket.phone == phone).limit(limit))]
    wanted = fold(query)
    if len(wanted) < 2:
        return []
    return [_found(t) for t in session.scalars(
        base.where(folded(Ticket.name).like(like_pattern(wanted), escape="\\")).order_by(Ticket.name).limit(limit))]


def _found(ticket: Ticket) -> Found:
    return Found(ticket.id, ticket.code, ticket.name, ticket.phone[-3:], ticket.birth_year, ticket.status,
                 to_local(ticket.admitted_at).strftime("%H:%M") if ticket.admitted_at else None,
                 ticket.admitted_gate, ticket.inside)


@dataclass(frozen=True)
class Counters:
    gate_admitted: int
    inside: int
    capacity: int


def counters(session, show_slug: str, gate: str) -> Counters | None:
    show = session.scalar(select(Show).where(Show.slug == show_slug))
    if show is None:
        return None
    at_gate = session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.show_id == show.id, Ticket.admitted_gate == gate, Ticket.admitted_at.is_not(None)))
    return Counters(at_gate, show.inside_count, show.venue_capacity)
