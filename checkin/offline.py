"""What a gate phone downloads to decide scans alone when the network is gone.

A compact list of a show's tickets: code and state, plus the attendee's name only where the
show allows names on gate phones (Show.offline_names), and the codes of the other shows'
tickets so that the phone can answer "wrong show". The phone keeps it fresh with small
incremental updates: every ticket change sets Ticket.updated_at (checkin/models), and a cursor
names the time of the last download.

Why the overlap: updated_at is set when a transaction writes, but the row becomes visible
only when it commits, a moment later. A download at that moment misses the row while its
cursor already lies past it; asking again from a little before the cursor finds it. Rows
sent twice are harmless: the phone replaces a ticket's entry with the newer one.

Standby passes (checkin/standby.py) come whole with every download, with the number called at
that moment: a line holds a few hundred people at most, and the phone admits a pass offline only
if its number is called by then (numbers are only ever called, never uncalled, so the server
agrees when the scan is uploaded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from .gate_lookup import check_show
from .group_admission import gate_groups
from .models import Show, StandbyLine, StandbyPass, Ticket
from .shows import show_day_end, to_local

CURSOR_PREFIX = "v1."
# Far longer than any write transaction can last (the SQLite busy timeout is 5 s).
SYNC_OVERLAP = timedelta(seconds=60)
_EPOCH = datetime(1970, 1, 1)

ISSUED, INSIDE, OUTSIDE, CANCELLED, WAITLISTED, OTHER_SHOW = "i", "a", "o", "c", "w", "x"


@dataclass(frozen=True)
class GateList:
    show: Show
    admits_until: datetime
    gates: list[str]
    cursor: str
    full: bool
    tickets: list[list]
    # {"called_up_to": N, "passes": [[code, number, state, name?, HH:MM?, gate?], ...]}; another
    # show's pass is [code, 0, "x"].
    standby: dict
    # The show's school groups, whole in every download (few, and small): see gate_groups.
    groups: list[list]


def encode_cursor(at: datetime) -> str:
    return f"{CURSOR_PREFIX}{int((at - _EPOCH).total_seconds() * 1_000_000)}"


def decode_cursor(cursor: str | None) -> datetime | None:
    """The time a cursor names; None for a missing or unreadable one (a full download then)."""
    if not cursor or not cursor.startswith(CURSOR_PREFIX):
        return None
    digits = cursor[len(CURSOR_PREFIX) :]
    if not digits.isdigit() or len(digits) > 18:
        return None
    return _EPOCH + timedelta(microseconds=int(digits))


def state_of(ticket_status: str, admitted: bool, inside: bool) -> str:
    if ticket_status == "cancelled":
        return CANCELLED
    if ticket_status == "waitlisted":
        return WAITLISTED
    if not admitted:
        return ISSUED
    return INSIDE if inside else OUTSIDE


def gate_list(session, staff, show_slug: str, *, since: str | None, now: datetime) -> GateList:
    """The show's ticket list for gate phones: all of it, or what changed since a cursor. Only
    for the show of the volunteer's chosen gate (gate_lookup.check_show: NotFound, GateNotChosen)."""
    show = check_show(session, staff, show_slug)
    changed_after = decode_cursor(since)
    full = changed_after is None or changed_after > now
    columns = [Ticket.code, Ticket.status, Ticket.admitted_at, Ticket.inside, Ticket.admitted_gate]
    if show.offline_names:
        columns.append(Ticket.name)
    own = select(*columns).where(Ticket.show_id == show.id)
    others = select(Ticket.code).where(Ticket.show_id != show.id)
    if changed_after is not None and not full:
        after = changed_after - SYNC_OVERLAP
        own = own.where(Ticket.updated_at >= after)
        others = others.where(Ticket.updated_at >= after)
    entries = [_entry(row, show.offline_names) for row in session.execute(own.order_by(Ticket.id))]
    entries.extend([code, OTHER_SHOW] for code in session.scalars(others.order_by(Ticket.id)))
    return GateList(
        show=show,
        admits_until=show_day_end(show),
        gates=[gate.label for gate in show.gates],
        cursor=encode_cursor(now),
        full=full,
        tickets=entries,
        standby=_standby(session, show),
        groups=gate_groups(session, show.id),
    )


def _standby(session, show: Show) -> dict:
    columns = [
        StandbyPass.code,
        StandbyPass.number,
        StandbyPass.admitted_at,
        StandbyPass.inside,
        StandbyPass.admitted_gate,
    ]
    if show.offline_names:
        columns.append(StandbyPass.name)
    passes = []
    for row in session.execute(
        select(*columns).where(StandbyPass.show_id == show.id).order_by(StandbyPass.number)
    ):
        code, number, admitted_at, inside, admitted_gate = row[:5]
        entry = [
            code,
            number,
            state_of("issued", admitted_at is not None, inside),
            row[5] if show.offline_names else None,
            to_local(admitted_at).strftime("%H:%M") if admitted_at is not None else None,
            admitted_gate if admitted_at is not None else None,
        ]
        while len(entry) > 3 and entry[-1] is None:
            entry.pop()
        passes.append(entry)
    others = session.scalars(
        select(StandbyPass.code).where(StandbyPass.show_id != show.id).order_by(StandbyPass.id)
    )
    passes.extend([code, 0, OTHER_SHOW] for code in others)
    called = session.scalar(select(StandbyLine.called_up_to).where(StandbyLine.show_id == show.id))
    return {"called_up_to": called or 0, "passes": passes}


def _entry(row, with_name: bool) -> list:
    """[code, state, name?, admitted HH:MM?, admitted gate?], trailing nulls left out."""
    code, status, admitted_at, inside, admitted_gate = row[:5]
    entry = [
        code,
        state_of(status, admitted_at is not None, inside),
        row[5] if with_name else None,
        to_local(admitted_at).strftime("%H:%M") if admitted_at is not None else None,
        admitted_gate if admitted_at is not None else None,
    ]
    while len(entry) > 2 and entry[-1] is None:
        entry.pop()
    return entry
