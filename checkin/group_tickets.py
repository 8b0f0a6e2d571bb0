"""Tickets of a school group's members (issue 19): one for each adult and each pupil with a
recorded guardian consent, never for a pupil without one.

The group's places were taken from the show's counter when it was held, so a member's ticket
takes no seat again: it fills one of the group's held places. It is confirmed at once (the
teacher's private link is the proof) and scans at the gate like any ticket. A member has no
e-mail or phone of their own; the ticket's contact columns, unique per show, get addresses
that are the member's alone and reach nobody (the reserved .invalid domain).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select, update

from . import tickets
from .database import transaction
from .errors import Conflict
from .group_models import GroupMember, SchoolGroup
from .models import Ticket
from .personal_data import OLDEST_BIRTH_YEAR
from .school_groups import group_by_token, ticketed

MEMBER_EMAIL_DOMAIN = "groups.invalid"


def member_contact(member_id: int) -> tuple[str, str]:
    return f"member{member_id}@{MEMBER_EMAIL_DOMAIN}", f"G{member_id}"


def group_label(group: SchoolGroup) -> str:
    """Who to reach about a member, where an attendee's contacts would be: the group's teacher."""
    return f"{group.school} – {group.class_name} · {group.teacher_name} <{group.teacher_email}> {group.teacher_phone}"


def issue(group_token: str, *, now: datetime) -> int:
    """Tickets for every member who may have one and has none yet; returns how many."""
    with transaction() as session:
        group = group_by_token(session, group_token)
        session.refresh(group, with_for_update=True)
        if group.state != "held":
            raise Conflict("not_held")
        # A member whose ticket was cancelled left their place to the group (school_groups).
        already = ticketed(session, group.id)
        waiting = session.scalars(
            select(GroupMember)
            .where(
                GroupMember.group_id == group.id,
                GroupMember.ticket_id.is_(None),
                or_(GroupMember.kind == "adult", GroupMember.consent_way.is_not(None)),
            )
            .order_by(GroupMember.position)
        ).all()
        issued = 0
        for member in waiting:
            if already + issued >= group.held_places:
                break  # never more tickets than the places the group holds
            email, phone = member_contact(member.id)
            ticket_id = session.execute(
                insert(Ticket).values(
                    show_id=group.show_id,
                    code=tickets.new_code(),
                    token=tickets.new_token(),
                    status="issued",
                    name=member.name,
                    email=email,
                    phone=phone,
                    birth_year=member.birth_year or OLDEST_BIRTH_YEAR,
                    guardian_name=member.consent_by if member.consent_way == "online" else None,
                    locale="vi",
                    consent_version=member.consent_notice_version or group.notice_version,
                    consent_at=member.consent_at or now,
                    guardian_consent_at=member.consent_at,
                    created_at=now,
                    confirmed_at=now,
                    issued_at=now,
                )
            ).inserted_primary_key[0]
            # Conditional: two teachers' tabs issuing at once give each member one ticket.
            if (
                session.execute(
                    update(GroupMember)
                    .where(GroupMember.id == member.id, GroupMember.ticket_id.is_(None))
                    .values(ticket_id=ticket_id)
                    .execution_options(synchronize_session=False)
                ).rowcount
                != 1
            ):
                raise Conflict("already_ticketed")
            issued += 1
        return issued


def group_of(session, ticket_id: int) -> SchoolGroup | None:
    """The school group whose member holds this ticket, if any."""
    return session.scalar(
        select(SchoolGroup)
        .join(GroupMember, GroupMember.group_id == SchoolGroup.id)
        .where(GroupMember.ticket_id == ticket_id)
    )


def members_with_tickets(session, group: SchoolGroup) -> list[tuple[GroupMember, Ticket]]:
    return session.execute(
        select(GroupMember, Ticket)
        .join(Ticket, Ticket.id == GroupMember.ticket_id)
        .where(GroupMember.group_id == group.id)
        .order_by(GroupMember.kind.desc(), GroupMember.position)
    ).all()
