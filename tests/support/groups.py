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
