"""Helpers of the school-group tests: a show that takes groups, a teacher's request values."""

from __future__ import annotations


def allow_groups(app, slug: str, *, max_size: int = 40, approval: bool = False, deadline=None) -> None:
    from sqlalchemy import select

    from checkin.database import transaction
    from checkin.group_models import GroupSettings
    from checkin.models import Show

    with app.app_context(), transaction() as session:
        show_id = session.scalar(select(Show.id).where(Show.slug == slug))
        session.add(
            GroupSettings(
                show_id=show_id, max_group_size=max_size, approval_required=approval, roster_deadline=deadline
            )
        )


def teacher(i: int = 0, **overrides) -> dict:
    values = {
        "school": f"Trường THCS Số {i}",
        "class_name": f"7A{i}",
        "teacher_name": f"Trần Thị {i}",
        "teacher_email": f"gv{i}@school.example.com",
        "teacher_phone": f"0987{i:06d}",
        "pupils": 2,
        "adults": 1,
        "consent": True,
    }
    values.update(overrides)
    return values


def ticketed_group(app, slug: str, *, pupils: int = 3, adults: int = 1, i: int = 1):
    """A held group of `slug` (which takes groups) with every pupil consented on paper and every
    member ticketed; returns (group token, [(ticket code, member name)] pupils first)."""
    from sqlalchemy import select

    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.group_models import GroupMember
    from checkin.group_roster import add_members, attest_paper
    from checkin.group_tickets import issue
    from checkin.models import Ticket
    from checkin.school_groups import request_group

    with app.app_context():
        made = request_group(slug, teacher(i, pupils=pupils, adults=adults), now=utcnow())
        add_members(
            made.token,
            [(n, {"name": f"Nguyễn Thị Ánh {i}{chr(65 + n)}", "birth_year": 2014}) for n in range(pupils)],
            [(n, f"Cô Lan {i}{n}") for n in range(adults)],
            now=utcnow(),
        )
        for member_id in db.session.scalars(
            select(GroupMember.id).where(GroupMember.group_id == made.group_id, GroupMember.kind == "pupil")
        ).all():
            attest_paper(made.token, member_id, now=utcnow())
        issue(made.token, now=utcnow())
        members = db.session.execute(
            select(Ticket.code, GroupMember.name)
            .join(GroupMember, GroupMember.ticket_id == Ticket.id)
            .where(GroupMember.group_id == made.group_id)
            .order_by(GroupMember.kind.desc(), GroupMember.position)
        ).all()
        return made.token, [tuple(m) for m in members]


def deliver_group_mail(app, transport, now):
    """Sends the group outbox's due messages through `transport`; returns how many."""
    from checkin.group_mail import deliver_due
    from checkin.web.mail import deployment, render_in

    with app.test_request_context():
        return deliver_due(transport=transport, deployment=deployment(), render=render_in, now=now)
