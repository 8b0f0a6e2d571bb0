"""Erasing school groups' personal data (issue 19), as part of the retention purge
(checkin/retention.py): a group's teacher and its members' names, years of birth and guardians'
names, on the same schedule as its show's tickets (or `cancelled_days` after a cancellation).
The consent records keep their way, time and notice version, without a name: what is left
shows a lawful consent was held, and says nothing about whom. Links stop working."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, literal, or_, select, update

from .group_models import GroupMember, SchoolGroup
from .models import Show


def due_group_ids(session, *, now: datetime, cancelled_days: int, show_slug: str | None) -> list[int]:
    shows = session.execute(select(Show.id, Show.slug, Show.ends_at, Show.retention_days)).all()
    conditions = [
        and_(
            SchoolGroup.state == "cancelled", SchoolGroup.cancelled_at <= now - timedelta(days=cancelled_days)
        )
    ]
    ended = [s.id for s in shows if s.ends_at + timedelta(days=s.retention_days) <= now]
    if ended:
        conditions.append(SchoolGroup.show_id.in_(ended))
    query = select(SchoolGroup.id).where(SchoolGroup.erased_at.is_(None), or_(*conditions))
    if show_slug is not None:
        query = query.where(SchoolGroup.show_id.in_([s.id for s in shows if s.slug == show_slug]))
    return session.scalars(query.order_by(SchoolGroup.id)).all()


def erase_groups(session, ids: list[int], now: datetime) -> int:
    if not ids:
        return 0
    placeholder = literal("erased-") + cast(SchoolGroup.id, String(12))
    session.execute(
        update(GroupMember)
        .where(GroupMember.group_id.in_(ids))
        .values(name="", birth_year=None, consent_by=None, consent_token=None)
        .execution_options(synchronize_session=False)
    )
    return session.execute(
        update(SchoolGroup)
        .where(SchoolGroup.id.in_(ids), SchoolGroup.erased_at.is_(None))
        .values(
            school="",
            class_name="",
            teacher_name="",
            teacher_email=placeholder,
            teacher_phone=placeholder,
            token=placeholder,
            erased_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
