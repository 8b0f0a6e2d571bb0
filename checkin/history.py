"""A ticket's history at the gate: its moves in and out, replayed in the order they happened.

Phones that were offline upload their scans late and in any order. Deciding each upload
against the ticket's state of the moment would make the outcome depend on who found the
network first (an admission uploaded after the exit that followed it would put the person back
inside). So the moves of a ticket are kept as its history (Scan.in_history) and, whenever an
offline move arrives, the whole history is replayed in device-time order; the ticket's state,
the show's inside counter (by the difference) and each move's result follow from that replay
alone, hence are the same for every order of upload.

Device times count only within the plausible-clock rules (admission.decision_time, relative to
when the scan reached the server); an online move happened when the server recorded it. Ties
are broken by the client id, never by arrival.

Pure: no database access here; checkin/admission reads the rows and writes the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

CONFLICT = "conflict"


class Move(NamedTuple):
    id: int
    client_scan_id: str
    direction: str  # "in" or "out"
    at: datetime  # when it happened, as far as the server can tell
    gate: str


class Verdict(NamedTuple):
    result: str  # admitted, reentered, exited, not_inside or conflict
    conflict_with: int | None = None


class Replayed(NamedTuple):
    admitted_at: datetime | None
    admitted_gate: str | None
    inside: bool
    first_entry: int | None
    verdicts: dict[int, Verdict]


def replay(moves: Iterable[Move], *, reentry_allowed: bool) -> Replayed:
    """The ticket's state after its moves in time order. The first entry admits; an entry while
    inside (or after leaving, without re-entry) is a double entry: a conflict pointing to the
    first; an exit while outside changes nothing (not_inside)."""
    admitted_at = gate = first = None
    inside = False
    verdicts: dict[int, Verdict] = {}
    for move in sorted(moves, key=lambda move: (move.at, move.client_scan_id)):
        if move.direction == "in":
            if first is None:
                admitted_at, gate, first, inside = move.at, move.gate, move.id, True
                verdicts[move.id] = Verdict("admitted")
            elif not inside and reentry_allowed:
                inside = True
                verdicts[move.id] = Verdict("reentered")
            else:
                verdicts[move.id] = Verdict(CONFLICT, first)
        elif inside:
            inside = False
            verdicts[move.id] = Verdict("exited")
        else:
            verdicts[move.id] = Verdict("not_inside")
    return Replayed(admitted_at, gate, inside, first, verdicts)
