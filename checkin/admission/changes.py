"""The writes of a scan, inside its transaction: the conditional UPDATEs that make a decision
stand (exactly once, invariant 2; capacity, invariant 3), the scan's row in the log
(invariant 7), and an offline move replayed into its ticket's history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Update

from .. import history, places
from ..models import Scan, Ticket
from . import rules, statements
from .results import (
    ALREADY_ADMITTED,
    CONFLICT,
    STALE,
    Found,
    Outcome,
    PlaceChange,
    ScanRequest,
    ShowState,
    Stale,
    TicketState,
    decision_time,
    response,
)


def check(connection: Connection, request: ScanRequest, found: Found) -> Outcome | Stale:
    """An online scan: the verdict, and the change it calls for made by a conditional UPDATE;
    STALE if the ticket changed since it was read."""
    ticket, show, unfound = found
    if unfound is not None or ticket is None or show is None:
        return Outcome(unfound or "unknown", show=show)
    outcome = rules.verdict(
        ticket, show, show_slug=request.show_slug, direction=request.direction, at=request.admission_time
    )
    place: PlaceChange | str | Stale
    if outcome.result == "exited":
        place = _exit(connection, ticket, show)
    elif outcome.result == "admitted":
        place = _move_in(
            connection,
            statements.FIRST_ENTRY,
            statements.NO_ENTRY,
            {"ticket": ticket.id, "show": show.id, "at": request.admission_time, "gate": request.gate},
        )
    elif outcome.result == "reentered":
        place = _move_in(
            connection, statements.REENTRY, statements.LEAVING, {"ticket": ticket.id, "show": show.id}
        )
    else:
        return outcome
    if isinstance(place, Stale):
        return place
    if isinstance(place, str):
        return Outcome(place, ticket, show)
    return Outcome(outcome.result, ticket, show, place=place)


def _move_in(
    connection: Connection, ticket_change: Update, ticket_change_back: Update, params: dict[str, Any]
) -> PlaceChange | Stale:
    """The ticket's change; the place inside it needs, still to take (settle_place)."""
    if connection.execute(ticket_change, params).rowcount == 0:
        return STALE
    return PlaceChange(True, ticket_change_back, params)


def _exit(connection: Connection, ticket: TicketState, show: ShowState) -> PlaceChange | str | Stale:
    if ticket.admitted_at is None or not ticket.inside:
        return "not_inside"
    if connection.execute(statements.LEAVING, {"ticket": ticket.id}).rowcount == 0:
        return STALE
    return PlaceChange(False, None, {"show": show.id, "ticket": ticket.id})


def settle_place(
    connection: Connection, outcome: Outcome, answer: dict[str, Any], scan_id: int
) -> tuple[Outcome, dict[str, Any]]:
    """The place inside, taken or given back as the transaction's last statements: a row it
    updates (its shard's places, at times the show's) stays locked until the commit; so it is
    held for those statements and the commit, not across the ticket's change, the scan's row
    and the Python between them (issue 20). Capacity (invariant 3) is still the conditional
    UPDATEs' to decide (checkin/places.py): if no place is free, the ticket's change is taken
    back (by hand rather than by a SAVEPOINT, which would cost every admission two more
    statements for the sake of a rare refusal; nobody else can have seen it) and the scan's row
    says venue_full."""
    assert outcome.place is not None
    taking, ticket_change_back, params = outcome.place
    if not taking:
        places.give(connection, params["show"], params["ticket"])
        return outcome, answer
    if places.take(connection, params["show"], params["ticket"]) or ticket_change_back is None:
        return outcome, answer
    connection.execute(ticket_change_back, params)
    refused = Outcome("venue_full", outcome.ticket, outcome.show)
    answer = response(refused)
    connection.execute(
        update(Scan).where(Scan.id == scan_id).values(result="venue_full", response=answer, in_history=False)
    )
    return refused, answer


def record(
    connection: Connection,
    request: ScanRequest,
    outcome: Outcome,
    answer: dict[str, Any],
    *,
    reason: str | None = None,
    in_history: bool = False,
) -> int:
    """The scan's row in the log; its id."""
    inserted = connection.execute(
        statements.INSERT_SCAN,
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
            "response": answer,
            "offline": request.offline,
            "conflict_with_scan_id": outcome.conflict_with,
            "request_digest": request.digest,
            "local_result": request.local_result,
            "in_history": in_history,
        },
    ).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def offline(
    connection: Connection, request: ScanRequest, found: Found
) -> tuple[Outcome, dict[str, Any], int]:
    """A scan the phone decided alone (the ticket read locked): recorded, and if it is a move the
    server can honour whenever it happened, the ticket's history replayed with it. Returns the
    outcome, its stored answer and the scan's id."""
    outcome = rules.offline_refusal(request, found)
    if outcome is not None:
        answer = response(outcome)
        return outcome, answer, record(connection, request, outcome, answer, in_history=False)
    assert found.ticket is not None and found.show is not None and request.local_result is not None
    move = Outcome(request.local_result, found.ticket, found.show)
    scan_id = record(connection, request, move, response(move), in_history=True)
    outcome, answer = _replay(connection, found.ticket, found.show, scan_id)
    return outcome, answer, scan_id


def _replay(
    connection: Connection, ticket: TicketState, show: ShowState, scan_id: int
) -> tuple[Outcome, dict[str, Any]]:
    """The ticket's moves replayed in the order they were made (checkin/history.py); the ticket,
    the inside counter (by the difference) and every move whose result changed, rewritten."""
    rows = connection.execute(statements.HISTORY, {"ticket": ticket.id}).all()
    replayed = history.replay(
        (
            history.Move(
                row.id,
                row.client_scan_id,
                row.direction,
                decision_time(row.scanned_at, row.recorded_at) if row.offline else row.recorded_at,
                row.gate,
            )
            for row in rows
        ),
        reentry_allowed=show.reentry_allowed,
    )
    change = int(replayed.inside) - int(ticket.inside)
    if change > 0 and not places.take(connection, show.id, ticket.id):
        # Full: this move cannot be honoured; it leaves the history, which stays as it was.
        outcome = Outcome(CONFLICT, ticket, show, {"conflict": "venue_full"})
        answer = response(outcome)
        connection.execute(
            update(Scan).where(Scan.id == scan_id).values(result=CONFLICT, in_history=False, response=answer)
        )
        return outcome, answer
    if change < 0:
        places.give(connection, show.id, ticket.id)
    after = ticket._replace(
        admitted_at=replayed.admitted_at, admitted_gate=replayed.admitted_gate, inside=replayed.inside
    )
    if after != ticket:
        connection.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(admitted_at=after.admitted_at, admitted_gate=after.admitted_gate, inside=after.inside)
        )
    mine: tuple[Outcome, dict[str, Any]] | None = None
    for row in rows:
        verdict = replayed.verdicts[row.id]
        extra = {"conflict": ALREADY_ADMITTED} if verdict.result == CONFLICT else {}
        outcome = Outcome(verdict.result, after, show, extra, verdict.conflict_with)
        if row.id != scan_id and (row.result, row.conflict_with_scan_id) == verdict:
            continue
        values: dict[str, Any] = {"result": verdict.result, "conflict_with_scan_id": verdict.conflict_with}
        if row.offline:
            # An offline answer is the server's account of the scan; an online one was given live.
            values["response"] = response(outcome)
        connection.execute(update(Scan).where(Scan.id == row.id).values(**values))
        if row.id == scan_id:
            mine = outcome, values["response"]
    assert mine is not None, "the scan just recorded is in its ticket's history"
    return mine
