"""The standby line: people without a ticket take a number at the venue and are let in as places
free up under the venue's capacity.

- Numbers: the line's `last_number` is bumped by an UPDATE in the pass's own transaction (the
  row stays locked until commit), so numbers are given in order with no gap and no duplicate
  however many join at once; a failed join rolls its number back with it.
- Calling: once standby admission has started (at the organiser's time, or when fewer than K
  ticket holders are still expected), every free place under the capacity, less the places
  kept for late ticket holders and the numbers called but not yet in, calls the next number.
  `called_up_to` only grows.

The pass itself at the gate (its signed QR, admission within the capacity) is
checkin/standby_gate.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import audit, tickets
from .database import transaction
from .errors import Duplicate, InvalidInput, NotFound
from .models import Show, StandbyLine, StandbyPass, Ticket
from .personal_data import normalize_name, normalize_phone
from .shows import get_show


@dataclass(frozen=True)
class Joined:
    number: int
    code: str
    token: str


def _line(session, show_id: int, *, lock: bool = False) -> StandbyLine:
    """The show's line, created on first use (two first uses at once: one insert wins)."""
    query = select(StandbyLine).where(StandbyLine.show_id == show_id)
    if lock:
        query = query.with_for_update()
    found = session.scalars(query.execution_options(populate_existing=True)).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.execute(
                insert(StandbyLine).values(show_id=show_id, last_number=0, called_up_to=0, kept_places=0)
            )
    except IntegrityError:
        pass
    return session.scalars(query.execution_options(populate_existing=True)).one()


def join(slug: str, values: dict, *, now: datetime, staff_id: int | None = None) -> Joined:
    """A number in the line for a name and a phone (one per phone per show: a second join with
    the same phone is Duplicate, saying nothing about the first)."""
    errors: dict[str, str] = {}
    name = normalize_name(values.get("name"), "name", errors)
    phone = normalize_phone(values.get("phone"), errors)
    if errors:
        raise InvalidInput(errors)
    code, token = tickets.new_code(), tickets.new_token()
    try:
        with transaction() as session:
            show = get_show(session, slug)
            if now >= show.ends_at:
                raise NotFound()
            _line(session, show.id)
            session.execute(
                update(StandbyLine)
                .where(StandbyLine.show_id == show.id)
                .values(last_number=StandbyLine.last_number + 1)
                .execution_options(synchronize_session=False)
            )
            number = session.scalar(select(StandbyLine.last_number).where(StandbyLine.show_id == show.id))
            session.execute(
                insert(StandbyPass).values(
                    show_id=show.id,
                    number=number,
                    code=code,
                    token=token,
                    name=name,
                    phone=phone,
                    created_at=now,
                    added_by_id=staff_id,
                    inside=False,
                )
            )
    except IntegrityError:
        raise Duplicate() from None
    return Joined(number, code, token)


def pass_by_token(session, token: str) -> StandbyPass:
    found = (
        session.scalar(select(StandbyPass).where(StandbyPass.token == token))
        if isinstance(token, str)
        else None
    )
    if found is None:
        raise NotFound()
    return found


def configure(
    slug: str,
    *,
    now: datetime,
    starts_at: datetime | None,
    below_expected: int | None,
    kept_places: int,
    actor=None,
) -> StandbyLine:
    if kept_places < 0 or (below_expected is not None and below_expected < 0):
        raise InvalidInput({"kept_places" if kept_places < 0 else "below_expected": "not_negative"})
    with transaction() as session:
        show = get_show(session, slug)
        line = _line(session, show.id, lock=True)
        before = {
            "starts_at": line.admission_starts_at and line.admission_starts_at.isoformat(),
            "below_expected": line.start_below_expected,
            "kept_places": line.kept_places,
        }
        line.admission_starts_at, line.start_below_expected, line.kept_places = (
            starts_at,
            below_expected,
            kept_places,
        )
        if actor is not None:
            audit.record(
                session,
                actor,
                "standby.configure",
                "show",
                show.slug,
                before,
                {
                    "starts_at": starts_at and starts_at.isoformat(),
                    "below_expected": below_expected,
                    "kept_places": kept_places,
                },
                now,
            )
        session.flush()
        return line


def _expected(session, show_id: int) -> int:
    """Ticket holders still expected: issued and not yet admitted."""
    return session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.show_id == show_id, Ticket.status == "issued", Ticket.admitted_at.is_(None))
    )


def started(session, line: StandbyLine, now: datetime) -> bool:
    if line.admission_starts_at is not None and now >= line.admission_starts_at:
        return True
    return (
        line.start_below_expected is not None and _expected(session, line.show_id) < line.start_below_expected
    )


def call(slug: str, *, now: datetime) -> int:
    """Calls as many numbers as there are free places (see the module docstring); returns the
    number called up to. Run by the worker on every pass; safe to run anywhere, any time."""
    with transaction() as session:
        show = get_show(session, slug)
        line = _line(session, show.id, lock=True)
        if now >= show.ends_at or not started(session, line, now):
            return line.called_up_to
        waiting_inside = session.scalar(
            select(func.count())
            .select_from(StandbyPass)
            .where(
                StandbyPass.show_id == show.id,
                StandbyPass.number <= line.called_up_to,
                StandbyPass.admitted_at.is_(None),
            )
        )
        room = show.venue_capacity - line.kept_places - show.inside_count - waiting_inside
        target = min(line.last_number, line.called_up_to + max(room, 0))
        if target > line.called_up_to:
            session.execute(
                update(StandbyLine)
                .where(StandbyLine.show_id == show.id, StandbyLine.called_up_to < target)
                .values(called_up_to=target)
                .execution_options(synchronize_session=False)
            )
        return max(target, line.called_up_to)


def call_all(now: datetime) -> int:
    with transaction() as session:
        slugs = session.scalars(
            select(Show.slug)
            .join(StandbyLine, StandbyLine.show_id == Show.id)
            .where(Show.ends_at > now, StandbyLine.last_number > StandbyLine.called_up_to)
        ).all()
    return sum(1 for slug in slugs if call(slug, now=now))


@dataclass(frozen=True)
class Board:
    issued: int
    called_up_to: int
    admitted: int
    inside: int
    started: bool

    def to_json(self) -> dict:
        return {
            "issued": self.issued,
            "called_up_to": self.called_up_to,
            "admitted": self.admitted,
            "inside": self.inside,
            "started": self.started,
        }


def board(session, show: Show, now: datetime) -> Board | None:
    line = session.scalar(select(StandbyLine).where(StandbyLine.show_id == show.id))
    if line is None:
        return None
    admitted, inside = session.execute(
        select(
            func.count(StandbyPass.admitted_at),
            func.coalesce(func.sum(func.cast(StandbyPass.inside, Integer)), 0),
        ).where(StandbyPass.show_id == show.id)
    ).one()
    return Board(line.last_number, line.called_up_to, int(admitted), int(inside), started(session, line, now))
