"""The scans a gate makes: a QR scan (online or decided offline by the phone) and an admission
by hand, each decided, changed and recorded in one transaction."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from .. import standby_gate, tickets
from ..database import read_then_write
from ..errors import DomainError
from . import changes, reads
from .results import LOCAL_RESULTS, OK_RESULTS, Found, Outcome, Ref, ScanRequest, ScanResult, Stale, response

Then = Callable[[Connection, ScanResult], None]


def scan(
    payload_text: str,
    *,
    keyring: Any,
    staff: Any,
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
    ``local_result``, a scan the phone decided offline (see checkin.admission)."""
    if local_result is not None and local_result not in LOCAL_RESULTS:
        raise ValueError(f"unknown local result {local_result!r}")
    if standby_gate.is_standby_payload(payload_text):
        # A standby pass (checkin/standby_gate.py): its own line, the same scan log and counter.
        answer, scan_id, replayed = standby_gate.scan(
            payload_text,
            keyring=keyring,
            staff_id=staff_id(staff),
            gate=gate,
            direction=direction,
            client_scan_id=client_scan_id,
            show_slug=show_slug or reads.show_of(show_slug, gate),
            now=now,
            scanned_at=scanned_at,
            local_result=local_result,
        )
        return ScanResult(answer["result"], answer, scan_id, replayed)
    request = ScanRequest(
        staff_id(staff),
        gate,
        direction,
        client_scan_id,
        scanned_at,
        reads.show_of(show_slug, gate),
        now,
        method,
        device,
        local_result,
        digest(method, direction, payload_text),
    )
    verified = tickets.verify_payload(payload_text, keyring)
    return run(request, Ref("code", verified.code) if verified else None)


def admit_ticket(
    code: str,
    *,
    staff: Any,
    gate: str,
    direction: str,
    client_scan_id: str,
    scanned_at: datetime | None = None,
    show_slug: str | None = None,
    now: datetime,
    device: str | None = None,
    then: Then | None = None,
    local_result: str | None = None,
) -> ScanResult:
    """A volunteer admits by hand (from a lookup, or a code read off a cracked screen), naming
    the ticket by its code (with or without the dash), never by a sequential id that a script
    could count through: every check of a scan except the signature, which the attendee's ID
    replaces. `then` runs in the scan's transaction once the scan is recorded (an audit entry),
    so the two commit or roll back together. With ``local_result``, an admission a phone decided
    offline (a school group's member, checkin/group_admission.py), recorded as scan() does."""
    if local_result is not None and local_result not in LOCAL_RESULTS:
        raise ValueError(f"unknown local result {local_result!r}")
    if not isinstance(code, str):
        raise TypeError("a ticket is admitted by hand by its code")
    # A code that cannot exist matches no ticket: the answer is "unknown", not "invalid".
    parsed = tickets.parse_code(code) or ""
    request = ScanRequest(
        staff_id(staff),
        gate,
        direction,
        client_scan_id,
        scanned_at,
        reads.show_of(show_slug, gate),
        now,
        "manual",
        device,
        local_result,
        digest=digest("manual", direction, parsed),
    )
    return run(request, Ref("code", parsed), then)


def staff_id(staff: Any) -> int | None:
    """A staff member given as a row or as an id."""
    return staff if isinstance(staff, int) or staff is None else int(staff.id)


def digest(method: str, direction: str, asked: str) -> str:
    return hashlib.sha256(f"{method}\n{direction}\n{asked}".encode()).hexdigest()


def run(request: ScanRequest, ref: Ref | None, then: Then | None = None) -> ScanResult:
    """Decide, change, record: one transaction.

    An online scan reads its ticket before its writes (on SQLite before the write lock, where
    waiting costs no other gate anything; on PostgreSQL in the same transaction, which costs no
    lock either: database.read_then_write), and decides from that read: a refusal only needs
    its log row, and a change is a conditional UPDATE that fails if the ticket moved on
    meanwhile (the read is stale). Only then is the ticket read again, inside the transaction,
    locked, and the decision taken afresh.

    The transaction is Core on a connection alone, so that on SQLite it can share a group
    commit with the other writers of this process waiting at the same moment
    (database.group_write): in a gate rush, most of a scan's time in the write lock is the
    commit's wait for the disk. A client id seen before is caught by its unique index when the
    row is written (no read first: replays are rare, scans are not); the scan's writes then
    roll back and the stored first answer is returned instead."""
    try:
        return read_then_write(
            # An offline upload may displace or be displaced by another admission: it reads inside.
            lambda connection: None if request.offline else reads.find(connection, request, ref),
            lambda connection, seen: in_transaction(connection, request, ref, seen, then),
        )
    except IntegrityError:
        stored = reads.stored(request)
        if stored is None:
            raise
        return stored


def in_transaction(
    connection: Connection,
    request: ScanRequest,
    ref: Ref | None,
    seen: Found | None,
    then: Then | None = None,
) -> ScanResult:
    """The scan's statements, on the write transaction's connection."""
    if request.offline:
        outcome, answer, scan_id = changes.offline(
            connection, request, reads.find(connection, request, ref, locked=True)
        )
    else:
        assert seen is not None
        decided = changes.check(connection, request, seen)
        if isinstance(decided, Stale):
            decided = changes.check(connection, request, reads.find(connection, request, ref, locked=True))
        # Read locked, the ticket cannot have changed since.
        assert isinstance(decided, Outcome)
        outcome = decided
        answer = response(outcome)
        scan_id = changes.record(
            connection, request, outcome, answer, in_history=outcome.result in OK_RESULTS
        )
        if outcome.place is not None:
            outcome, answer = changes.settle_place(connection, outcome, answer, scan_id)
    result = ScanResult(outcome.result, answer, scan_id)
    if then is not None:
        then(connection, result)
    return result


@dataclass(frozen=True)
class OfflineScan:
    """One scan of a phone's offline queue, as uploaded (the keywords of scan() but the
    volunteer's and the keyring, which the whole upload shares)."""

    payload: str
    local_result: str | None
    gate: str
    direction: str
    client_scan_id: str
    scanned_at: datetime | None
    show_slug: str | None
    device: str | None
    # With a school group's pass as payload: the ticket code of the member the phone let in.
    member: str | None = None


def upload_order(scans: Sequence[OfflineScan], now: datetime) -> list[int]:
    """The order an offline queue is recorded in: device time (the server's for a scan without
    one), then client id, then as uploaded; so that a phone's moves are recorded as they were
    made, whatever order its queue was kept in."""
    return sorted(range(len(scans)), key=lambda i: (scans[i].scanned_at or now, scans[i].client_scan_id))


def scan_offline_queue(
    scans: Sequence[OfflineScan],
    *,
    keyring: Any,
    staff: Any,
    clock: Callable[[], datetime],
    admit_member: Callable[..., ScanResult] | None = None,
) -> list[ScanResult | DomainError]:
    """A phone's offline queue, each scan recorded on its own (in upload_order): one that the
    domain refuses (ScanIdReused, ShowRequired) answers with its error and holds the others
    back no more than a refused scan would. Answers in the order the scans were given.

    A group member let in offline by the group's pass (``member``) is recorded by
    ``admit_member`` (group_admission.admit_offline, given by the caller: school groups sit
    beside admission, not under it) as that member's own offline admission."""
    answers: list[ScanResult | DomainError | None] = [None] * len(scans)
    for index in upload_order(scans, clock()):
        item = scans[index]
        admit: Callable[..., ScanResult] = scan
        if item.member is not None and item.local_result is not None and admit_member is not None:
            admit = functools.partial(admit_member, member_code=item.member)
        try:
            answers[index] = admit(
                item.payload,
                keyring=keyring,
                staff=staff,
                gate=item.gate,
                direction=item.direction,
                client_scan_id=item.client_scan_id,
                scanned_at=item.scanned_at,
                show_slug=item.show_slug,
                now=clock(),
                device=item.device,
                local_result=item.local_result,
            )
        except DomainError as error:
            answers[index] = error
    return [answer for answer in answers if answer is not None]
