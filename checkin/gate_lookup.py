"""The gate's hand lookup, and the one show a volunteer's gate lets them see.

Least privilege: a volunteer looks up (and downloads the offline list of) the show of the gate
they chose, nothing else; a search needs three letters of a name, or a whole code or phone
number, and answers a handful of rows with what the gate needs to compare with an ID: the
name, "under 16" (not the birth year), the phone's last three digits. Every lookup is in the
audit log (what kind of search, how many rows; never what was typed). Rate limits per
volunteer are the web layer's (Flask-Limiter), like every limit.

Each row answers as the scanner would for that ticket now (admission.preview): the same
result, the same words, and the admit button only where a scan would let the person through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from . import admission, audit, tickets
from .admission import search
from .database import transaction
from .errors import GateNotChosen, InvalidInput, NotFound
from .models import Gate, Show, Staff, Ticket
from .personal_data import needs_guardian

LOOKUP_LIMIT = 5
NAME_MIN = 3
PHONE_DIGITS_MIN = 9
LOOKUP_ACTION = "gate_lookup"


@dataclass(frozen=True)
class Found:
    """A lookup's row: enough for a volunteer to compare with an ID card, nothing more."""

    code: str  # as printed on the ticket: HYBC-FVY6
    name: str | None  # withheld for a ticket of another show
    under_16: bool
    phone_tail: str | None
    answer: dict  # what a scan would answer now (admission's stored-answer values)
    can_admit: bool


def choose_gate(staff_id: int, show_slug: str, gate: str, *, now: datetime) -> None:
    """The volunteer's gate: from now on they see that show's tickets only."""
    with transaction() as session:
        show_id = session.scalar(
            select(Show.id)
            .join(Gate, Gate.show_id == Show.id)
            .where(Show.slug == show_slug, Gate.label == gate)
        )
        if show_id is None:
            raise NotFound()
        staff = session.get(Staff, staff_id)
        staff.gate_show_id, staff.gate_label = show_id, gate


def check_show(session, staff: Staff, show_slug: str) -> Show:
    """The show, if this staff member may see its attendees at the gate: an organiser any, a
    volunteer only the show of the gate they chose."""
    show = session.scalar(select(Show).where(Show.slug == show_slug))
    if show is None:
        raise NotFound()
    if not staff.is_organiser and staff.gate_show_id != show.id:
        raise GateNotChosen()
    return show


def lookup(
    session, staff: Staff, show_slug: str, query_text: str, *, direction: str = "in", now: datetime
) -> list[Found]:
    """Tickets of the gate's show by whole code (a ticket of another show is found too, as
    "wrong show", without its holder's name), whole phone number or part of the name."""
    show = check_show(session, staff, show_slug)
    query = search.read_query(query_text)
    rows: list[Ticket] = []
    if query.code is not None:
        kind = "code"
        rows = list(session.scalars(select(Ticket).where(*search.conditions(query, ["code"]))))
    if not rows and query.digits >= PHONE_DIGITS_MIN:
        kind = "phone"
        if query.phone is not None:
            rows = list(
                session.scalars(
                    select(Ticket)
                    .where(Ticket.show_id == show.id, *search.conditions(query, ["phone"]))
                    .limit(LOOKUP_LIMIT)
                )
            )
    elif not rows:
        kind = "name"
        if query.letters < NAME_MIN:
            if query.code is None:
                raise InvalidInput({"q": "query_too_short"})
        else:
            rows = list(
                session.scalars(
                    select(Ticket)
                    .where(Ticket.show_id == show.id, *search.conditions(query, ["name"]))
                    .order_by(Ticket.name)
                    .limit(LOOKUP_LIMIT)
                )
            )
    found = [_found(session, ticket, show, direction, now) for ticket in rows]
    with transaction() as writing:  # ends the read; the audit entry is its own short write
        audit.record(
            writing, staff, LOOKUP_ACTION, "show", show.id, None, {"kind": kind, "rows": len(found)}, now
        )
    return found


def _found(session, ticket: Ticket, gate_show: Show, direction: str, now: datetime) -> Found:
    own = ticket.show_id == gate_show.id
    show = gate_show if own else session.get(Show, ticket.show_id)
    answer, can_admit = admission.preview(
        ticket, show, show_slug=gate_show.slug, direction=direction, now=now
    )
    if not own:
        answer["ticket"] = {**answer["ticket"], "name": ""}
    return Found(
        code=tickets.format_code(ticket.code),
        name=ticket.name if own else None,
        under_16=own and needs_guardian(ticket.birth_year, show.starts_at),
        phone_tail=ticket.phone[-3:] if own else None,
        answer=answer,
        can_admit=can_admit,
    )
