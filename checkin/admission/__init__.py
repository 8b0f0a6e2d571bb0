"""Admission at the gate: scans in and out, exactly once, within the venue's capacity.

Every scan, whatever its result, becomes one row of the append-only scan log, written in the
same transaction as the ticket and show changes it causes (invariant 7). Exactly-once
(invariant 2) and capacity (invariant 3) are decided by conditional UPDATEs, never by a
Python check followed by a write; the friendly reads before them only choose the message.

An online scan reads its ticket before its writes (on SQLite before its write transaction:
every writer waits for the one write lock, so the less done inside, the more gates get through;
on PostgreSQL in the same transaction, where a read locks nothing and saves round trips): a
refusal is answered from that read and only logged; a change is made by a conditional UPDATE,
and if the ticket moved on since the read (another gate was quicker), it is read again inside
the transaction, locked, and decided afresh. The transaction is Core statements on a
connection, so that on SQLite concurrent scans (and registrations) of a process share one
commit (database.group_write); on PostgreSQL the read and the writes share one transaction,
run again if the server rolls it back as a deadlock's victim (database.read_then_write).

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

The package, by concept: ``results`` (the scan vocabulary and what a scan reads and decides),
``statements`` (the prebuilt SQL), ``reads``, ``rules`` (the checks in order, pure),
``changes`` (the conditional writes and the scan log), ``usecases`` (scan, admit by hand),
``undo``, ``search`` (finding a ticket by code, phone, name or e-mail, shared with the
organisers' attendee search) and ``counters``.
"""

from ..shows import show_day_end
from .counters import Counters, counters
from .results import (
    ALREADY_ADMITTED,
    CLOCK_SKEW,
    CONFLICT,
    DIRECTIONS,
    GATE_MAX,
    LOCAL_RESULTS,
    OFFLINE_GRACE,
    OK_RESULTS,
    RESULTS,
    TONES,
    UNDO_WINDOW,
    UNDONE,
    ScanRequest,
    ScanResult,
    decision_time,
)
from .rules import preview
from .undo import undo_last_admission
from .usecases import OfflineScan, admit_ticket, scan, scan_offline_queue, upload_order

__all__ = [
    "ALREADY_ADMITTED",
    "CLOCK_SKEW",
    "CONFLICT",
    "DIRECTIONS",
    "GATE_MAX",
    "LOCAL_RESULTS",
    "OFFLINE_GRACE",
    "OK_RESULTS",
    "RESULTS",
    "TONES",
    "UNDO_WINDOW",
    "UNDONE",
    "Counters",
    "OfflineScan",
    "ScanRequest",
    "ScanResult",
    "admit_ticket",
    "counters",
    "decision_time",
    "preview",
    "scan",
    "scan_offline_queue",
    "upload_order",
    "show_day_end",
    "undo_last_admission",
]
