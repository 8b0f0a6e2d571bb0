"""Changes to a school group's held places after its request: resizing, cancelling, and the
roster deadline that returns the unfilled ones. Each gives back exactly the places the group
holds and promotes the waitlist (invariant 1).

Split from checkin/school_groups.py (the request, approval, roster counts and settings), whose
locking and counts these build on, so that module stays readable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from . import audit, waitlist
from .database import transaction
from .errors import Conflict, InvalidInput, NotFound, ShowFull
from .group_models import GroupMember, GroupSettings, SchoolGroup
from .models import Show, Ticket
from .school_groups import filled, locked_group, settings_of, take_places, ticketed

_GIVE_PLACES_BACK = (
    update(Show)
    .where(Show.id == bindparam("show_id"), Show.issued_count >= bindparam("n"))
    .values(issued_count=Show.issued_count - bindparam("n"))
)


def _give_back(session, show_id: int, n: int, now: datetime) -> None:
    if n <= 0:
        return
    session.flush()
    if session.connection().execute(_GIVE_PLACES_BACK, {"show_id": show_id, "n": n}).rowcount != 1:
        raise RuntimeError(f"show {show_id}: fewer issued places than a group holds")
    waitlist.promote(session, waitlist.lock_show(session, show_id), now)


def resize(group_id: int, pupils: int, adults: int, *, now: datetime, actor=None) -> None:
    """Changes a group's size within the show's per-group maximum and its quota; never below
    the members already ticketed."""
    with transaction() as session:
        group = locked_group(session, group_id)
        settings = settings_of(session, group.show_id)
        if settings is None:  # the show no longer takes groups
            raise NotFound()
        if group.state == "cancelled":
            raise Conflict("cancelled")
        if pupils < 0 or adults < 1 or pupils + adults > settings.max_group_size:
            raise InvalidInput(
                {
                    "pupils": "group_too_large"
                    if pupils + adults > settings.max_group_size
                    else "invalid_number"
                }
            )
        places = pupils + adults
        if group.state == "held":
            if places < ticketed(session, group.id):
                raise Conflict("below_ticketed")
            delta = places - group.held_places
            session.flush()
            if delta > 0 and not take_places(session.connection(), group.show_id, delta):
                raise ShowFull()
            group.held_places = places
            _give_back(session, group.show_id, -delta, now)
        audit.record(
            session,
            actor,
            "group.resize",
            "school_group",
            group.id,
            {"pupils": group.pupils, "adults": group.adults},
            {"pupils": pupils, "adults": adults},
            now,
        )
        group.pupils, group.adults = pupils, adults


def cancel(group_id: int, *, now: datetime, actor=None) -> None:
    """Gives every held place back (the waitlist is promoted) and closes the group's links. The
    members' tickets are cancelled with it (their places are among those given back), except
    those already used at the gate, which keep theirs."""
    with transaction() as session:
        members = select(GroupMember.ticket_id).where(
            GroupMember.group_id == group_id, GroupMember.ticket_id.is_not(None)
        )
        # Tickets before the group, as a ticket's cancellation and the gate lock them.
        session.execute(select(Ticket.id).where(Ticket.id.in_(members)).with_for_update()).all()
        group = locked_group(session, group_id)
        if group.state == "cancelled":
            return
        session.execute(
            update(Ticket)
            .where(Ticket.id.in_(members), Ticket.status == "issued", Ticket.admitted_at.is_(None))
            .values(status="cancelled", cancelled_at=now)
            .execution_options(synchronize_session=False)
        )
        used = session.scalar(
            select(func.count(Ticket.id)).where(Ticket.id.in_(members), Ticket.status == "issued")
        )
        released, group.held_places = max(group.held_places - used, 0), min(used, group.held_places)
        group.state, group.cancelled_at = "cancelled", now
        session.execute(
            update(GroupMember)
            .where(GroupMember.group_id == group.id)
            .values(consent_token=None)
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session,
            actor,
            "group.cancel",
            "school_group",
            group.id,
            {"held_places": released},
            {"state": "cancelled"},
            now,
        )
        _give_back(session, group.show_id, released, now)


def release_unfilled(show_id: int, *, now: datetime) -> int:
    """At the roster deadline: each held group keeps only its filled places, the rest return to
    the public pool and the waitlist is promoted. Returns how many places came back."""
    returned = 0
    with transaction() as session:
        settings = settings_of(session, show_id)
        if settings is None or settings.roster_deadline is None or now < settings.roster_deadline:
            return 0
        groups = session.scalars(
            select(SchoolGroup)
            .where(SchoolGroup.show_id == show_id, SchoolGroup.state == "held")
            .with_for_update()
        ).all()
        for group in groups:
            keep = filled(session, group.id)
            if keep < group.held_places:
                returned += group.held_places - keep
                group.held_places = keep
        _give_back(session, show_id, returned, now)
    return returned


def release_due(now: datetime) -> int:
    """The worker's pass: every show whose roster deadline has passed (a group already trimmed
    gives nothing back again)."""
    with transaction() as session:
        show_ids = session.scalars(
            select(GroupSettings.show_id).where(GroupSettings.roster_deadline <= now)
        ).all()
    return sum(release_unfilled(show_id, now=now) for show_id in show_ids)
