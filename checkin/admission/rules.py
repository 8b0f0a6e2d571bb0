"""The decision of a scan, its checks in order: show, day and doors, ticket state, the move.

Pure functions of what was read (no statement runs here); capacity is the conditional UPDATE's
to settle (checkin/admission/changes.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..shows import show_day_end, to_local
from .results import (
    CONFLICT,
    OK_RESULTS,
    Found,
    Outcome,
    ScanRequest,
    ShowState,
    TicketState,
    response,
)


def verdict(
    ticket: TicketState, show: ShowState, *, show_slug: str | None, direction: str, at: datetime
) -> Outcome:
    """The checks in order (after the signature and the ticket's existence): show, day and
    doors, ticket state, then the move; capacity is the UPDATE's to settle."""
    if show_slug and show.slug != show_slug:
        return Outcome("wrong_show", ticket, show)
    if direction == "in":
        closed = doors_closed(show, at)
        if closed is not None:
            return Outcome("not_open", ticket, show, closed)
    if ticket.status in ("cancelled", "waitlisted"):
        return Outcome(ticket.status, ticket, show)
    if direction == "out":
        return Outcome(
            "exited" if ticket.admitted_at is not None and ticket.inside else "not_inside", ticket, show
        )
    if ticket.admitted_at is None:
        return Outcome("admitted", ticket, show)
    if show.reentry_allowed and not ticket.inside:
        return Outcome("reentered", ticket, show)
    return Outcome("already_inside", ticket, show)


def offline_refusal(request: ScanRequest, found: Found) -> Outcome | None:
    """What an offline scan is, when it is not a move of the ticket's history: the phone's own
    refusal, or a move the server refuses whenever it was made (an entry then a conflict).
    None: a move to replay into the ticket's history."""
    ticket, show, unfound = found
    if request.local_result not in OK_RESULTS:
        # The phone turned the person away: nothing to change, only to remember.
        return Outcome(unfound if unfound == "invalid" else str(request.local_result), ticket, show)
    refusal: Outcome | None
    if unfound is not None or ticket is None or show is None:
        refusal = Outcome(unfound or "unknown", show=show)
    else:
        refusal = verdict(
            ticket, show, show_slug=request.show_slug, direction=request.direction, at=request.admission_time
        )
        if refusal.result not in ("wrong_show", "not_open", "cancelled", "waitlisted"):
            refusal = None
    if refusal is None or request.direction != "in":
        return refusal
    # The person was let in: not a refusal but a conflict, for an organiser to review.
    return Outcome(CONFLICT, refusal.ticket, refusal.show, {"conflict": refusal.result, **refusal.extra})


def preview(
    ticket: Any, show: Any, *, show_slug: str, direction: str, now: datetime
) -> tuple[dict[str, Any], bool]:
    """What a scan of this ticket (a models.Ticket) at a gate of `show_slug` would answer now,
    without scanning (the hand lookup's words), and whether it would let the person in or out."""
    state = TicketState(*(getattr(ticket, name) for name in TicketState._fields))
    show_state = ShowState(*(getattr(show, name) for name in ShowState._fields))
    outcome = verdict(state, show_state, show_slug=show_slug, direction=direction, at=now)
    if outcome.result in ("admitted", "reentered") and show.inside_count >= show.venue_capacity:
        outcome = Outcome("venue_full", state, show_state)
    return response(outcome), outcome.result in OK_RESULTS


def doors_closed(show: ShowState, at: datetime) -> dict[str, Any] | None:
    if at < show.doors_open_at:
        doors = to_local(show.doors_open_at)
        return {"doors_open_at": doors.strftime("%H:%M"), "doors_open_on": doors.strftime("%d/%m")}
    if at >= show_day_end(show):
        return {"show_over": True}
    return None
