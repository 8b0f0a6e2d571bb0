"""School groups (issue 19): a teacher asks for places for a class; the places are held from
the show's quota at once (or when an organiser approves, if the show asks for approval), by the
same conditional UPDATE of the show's counter as a registration, so groups and public
registrations together never pass the quota (invariant 1). Cancelling, shrinking and the roster
deadline give back exactly the places the group holds and promote the waitlist: those changes
to a held group are checkin/group_changes.py, which builds on this module's locking and counts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, func, or_, select, update

from . import audit, holds, tickets
from .database import transaction
from .errors import Conflict, InvalidInput, NotFound, RegistrationClosed, ShowFull
from .group_models import GroupMember, GroupSettings, SchoolGroup
from .models import Show, Ticket
from .personal_data import PRIVACY_NOTICE_VERSION, normalize_email, normalize_name, normalize_phone
from .shows import registration_is_open

SCHOOL_MAX = 200
CLASS_MAX = 40

# n places at once, only if all fit and nobody waits in line (they are served first).
_TAKE_PLACES = (
    update(Show)
    .where(
        Show.id == bindparam("show_id"),
        Show.issued_count + bindparam("n") <= Show.ticket_quota,
        ~exists().where(Ticket.show_id == Show.id, Ticket.status == "waitlisted"),
    )
    .values(issued_count=Show.issued_count + bindparam("n"))
)


def new_token() -> str:
    """A group or consent link's secret: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class GroupRequest:
    group_id: int
    token: str
    state: str


def _count(raw: object, field: str, low: int, errors: dict[str, str]) -> int | None:
    if isinstance(raw, str) and raw.strip().isdecimal() and len(raw.strip()) <= 4:
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors[field] = "required" if raw in (None, "") else "invalid_number"
        return None
    if raw < low:
        errors[field] = "invalid_number"
        return None
    return raw


def _text(raw: object, field: str, limit: int, errors: dict[str, str]) -> str | None:
    value = normalize_name(raw, field, errors) if field != "class_name" else None
    if field == "class_name":
        # "6A", "10 Toán": a class may have no letter, but has something.
        if not isinstance(raw, str) or not " ".join(raw.split()):
            errors[field] = "required"
            return None
        value = " ".join(raw.split())
        if not value.isprintable():
            errors[field] = "control_characters"
            return None
    if value is not None and len(value) > limit:
        errors[field] = "too_long"
        return None
    return value


def validate_request(values: dict, settings: GroupSettings) -> dict:
    errors: dict[str, str] = {}
    school = _text(values.get("school"), "school", SCHOOL_MAX, errors)
    class_name = _text(values.get("class_name"), "class_name", CLASS_MAX, errors)
    teacher_name = normalize_name(values.get("teacher_name"), "teacher_name", errors)
    teacher_email = normalize_email(values.get("teacher_email"), errors)
    teacher_phone = normalize_phone(values.get("teacher_phone"), errors)
    pupils = _count(values.get("pupils"), "pupils", 0, errors)
    adults = _count(values.get("adults"), "adults", 1, errors)
    group = {
        "school": school,
        "class_name": class_name,
        "teacher_name": teacher_name,
        "teacher_email": teacher_email,
        "teacher_phone": teacher_phone,
        "pupils": pupils,
        "adults": adults,
    }
    for ours, theirs in (("teacher_email", "email"), ("teacher_phone", "phone")):
        if theirs in errors:
            errors[ours] = errors.pop(theirs)
    if pupils is not None and adults is not None and pupils + adults > settings.max_group_size:
        errors["pupils"] = "group_too_large"
    if not (
        values.get("consent") is True or str(values.get("consent")).lower() in ("y", "yes", "on", "true", "1")
    ):
        errors["consent"] = "consent_required"
    if errors:
        raise InvalidInput(errors)
    return group


def take_places(connection, show_id: int, n: int) -> bool:
    """The one place a group's places are taken (invariant 1)."""
    return n == 0 or connection.execute(_TAKE_PLACES, {"show_id": show_id, "n": n}).rowcount == 1


def settings_of(session, show_id: int) -> GroupSettings | None:
    return session.get(GroupSettings, show_id)


def request_group(show_slug: str, values: dict, *, now: datetime) -> GroupRequest:
    """Raises NotFound (no such show, or it takes no groups), InvalidInput, RegistrationClosed
    or ShowFull; nothing is written unless the group's places are held (or it waits for an
    organiser's approval, when the show asks for one)."""
    with transaction() as session:
        show = session.scalar(select(Show).where(Show.slug == show_slug).with_for_update())
        settings = settings_of(session, show.id) if show else None
        if show is None or settings is None:
            raise NotFound()
        group = validate_request(values, settings)
        if not registration_is_open(show, now):
            raise RegistrationClosed()
        holds.expire_lapsed(session, now, show_id=show.id)
        places = group["pupils"] + group["adults"]
        state = "requested" if settings.approval_required else "held"
        if state == "held":
            session.flush()
            if not take_places(session.connection(), show.id, places):
                raise ShowFull()
        row = SchoolGroup(
            show_id=show.id,
            token=new_token(),
            pass_code=tickets.new_code(),
            state=state,
            created_at=now,
            held_places=places if state == "held" else 0,
            notice_version=PRIVACY_NOTICE_VERSION,
            **group,
        )
        session.add(row)
        session.flush()
        return GroupRequest(row.id, row.token, state)


def locked_group(session, group_id: int) -> SchoolGroup:
    group = session.scalar(select(SchoolGroup).where(SchoolGroup.id == group_id).with_for_update())
    if group is None:
        raise NotFound()
    return group


def group_by_token(session, token: str) -> SchoolGroup:
    if not tickets.could_be_link_token(token):
        raise NotFound()
    group = session.scalar(select(SchoolGroup).where(SchoolGroup.token == token))
    if group is None or group.state == "cancelled":
        raise NotFound()
    return group


def approve(group_id: int, *, now: datetime, actor=None) -> None:
    """Holds a requested group's places; ShowFull if they no longer fit (it stays requested)."""
    with transaction() as session:
        group = locked_group(session, group_id)
        if group.state != "requested":
            raise Conflict("not_requested")
        session.flush()
        places = group.pupils + group.adults
        if not take_places(session.connection(), group.show_id, places):
            raise ShowFull()
        group.state, group.held_places, group.approved_at = "held", places, now
        audit.record(
            session,
            actor,
            "group.approve",
            "school_group",
            group.id,
            {"state": "requested"},
            {"state": "held", "held_places": places},
            now,
        )


def filled(session, group_id: int) -> int:
    """Members on the roster who may get a ticket: adults, and pupils with a recorded consent;
    not a member whose ticket was cancelled (their place is free)."""
    return session.scalar(
        select(func.count(GroupMember.id))
        .outerjoin(Ticket, Ticket.id == GroupMember.ticket_id)
        .where(
            GroupMember.group_id == group_id,
            or_(GroupMember.kind == "adult", GroupMember.consent_way.is_not(None)),
            or_(GroupMember.ticket_id.is_(None), Ticket.status != "cancelled"),
        )
    )


def ticketed(session, group_id: int) -> int:
    """Members holding a valid ticket: each fills one of the group's held places."""
    return session.scalar(
        select(func.count(GroupMember.id))
        .join(Ticket, Ticket.id == GroupMember.ticket_id)
        .where(GroupMember.group_id == group_id, Ticket.status != "cancelled")
    )


def member_ticket_cancelled(session, ticket_id: int, now: datetime) -> bool | None:
    """Called in a ticket's cancellation, its row locked. A group member's place goes back to
    the group's held places while the group is held and its roster deadline has not passed
    (True: the show's counter keeps it, nobody is promoted); otherwise to the public pool
    (False: the caller gives the seat back, and the group holds one place less). None: not a
    member's ticket. The group's row is locked after the ticket's, before the show's: the order
    of the gate (ticket, show) and of the group's own changes (group, show)."""
    group_id = session.scalar(select(GroupMember.group_id).where(GroupMember.ticket_id == ticket_id))
    if group_id is None:
        return None
    group = locked_group(session, group_id)
    settings = settings_of(session, group.show_id)
    deadline = settings.roster_deadline if settings is not None else None
    if group.state == "held" and (deadline is None or now < deadline):
        return True
    session.execute(
        update(SchoolGroup)
        .where(SchoolGroup.id == group.id, SchoolGroup.held_places > 0)
        .values(held_places=SchoolGroup.held_places - 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(group)
    return False


def set_settings(
    show_id: int,
    *,
    max_group_size: int,
    approval_required: bool,
    roster_deadline: datetime | None,
    now: datetime,
    actor=None,
) -> None:
    """A show's rules for groups; a show gets them to take groups at all."""
    if (
        isinstance(max_group_size, bool)
        or not isinstance(max_group_size, int)
        or not 1 <= max_group_size <= 500
    ):
        raise InvalidInput({"max_group_size": "out_of_range"})
    with transaction() as session:
        settings = session.get(GroupSettings, show_id, with_for_update=True)
        if settings is None:
            settings = GroupSettings(show_id=show_id)
            session.add(settings)
        settings.max_group_size, settings.approval_required = max_group_size, approval_required
        settings.roster_deadline = roster_deadline
        audit.record(
            session,
            actor,
            "group.settings",
            "show",
            show_id,
            None,
            {
                "max_group_size": max_group_size,
                "approval_required": approval_required,
                "roster_deadline": roster_deadline,
            },
            now,
        )


@dataclass(frozen=True)
class GroupState:
    """What the teacher and the organisers read: requested, cancelled, roster_incomplete,
    consent_missing (for `missing` pupils), ready or arrived; with the counts behind it."""

    name: str
    on_roster: int
    missing: int
    ticketed: int
    inside: int


def group_state(session, group: SchoolGroup) -> GroupState:
    members = session.execute(
        select(
            GroupMember.kind,
            GroupMember.consent_way,
            GroupMember.ticket_id,
            Ticket.status,
            Ticket.admitted_at,
        )
        .outerjoin(Ticket, Ticket.id == GroupMember.ticket_id)
        .where(GroupMember.group_id == group.id)
    ).all()
    missing = sum(1 for m in members if m.kind == "pupil" and m.consent_way is None)
    ticketed = sum(1 for m in members if m.ticket_id is not None and m.status != "cancelled")
    inside = sum(1 for m in members if m.admitted_at is not None)
    if group.state in ("requested", "cancelled"):
        name = group.state
    elif inside:
        name = "arrived"
    elif len(members) < group.pupils + group.adults:
        name = "roster_incomplete"
    elif missing:
        name = "consent_missing"
    else:
        name = "ready"
    return GroupState(name, len(members), missing, ticketed, inside)
