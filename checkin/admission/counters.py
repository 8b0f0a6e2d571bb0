"""The gate's counters: admitted at this gate, inside the venue, its capacity."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Show, Ticket


@dataclass(frozen=True)
class Counters:
    gate_admitted: int
    inside: int
    capacity: int


def counters(session: Session, show_slug: str, gate: str) -> Counters | None:
    show = session.scalar(select(Show).where(Show.slug == show_slug))
    if show is None:
        return None
    at_gate = session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.show_id == show.id, Ticket.admitted_gate == gate, Ticket.admitted_at.is_not(None))
    )
    return Counters(at_gate or 0, show.inside_count, show.venue_capacity)
