"""The console's school groups: rules per show, groups per school and class with their state,
approve, resize within the quota, cancel; every action in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.factories import make_show
from tests.support.groups import teacher
from tests.support.organiser import form_token, organiser_client


def test_an_organiser_sets_the_rules_then_approves_resizes_and_cancels_a_group(app, now):
    from checkin.audit import AuditEntry
    from checkin.extensions import db
    from checkin.models import Show
    from checkin.school_groups import request_group

    make_show(app, "minishow", quota=20)
    client = organiser_client(app, now)
    token = form_token(client, "/organiser/shows/minishow/groups")
    response = client.post(
        "/organiser/shows/minishow/groups",
        data={"csrf_token": token, "max_group_size": "10", "approval_required": "y"},
    )
    assert response.status_code == 303
    with app.app_context():
        made = request_group("minishow", teacher(3, pupils=5, adults=1), now=now)
    page = client.get("/organiser/shows/minishow/groups?lang=en").get_data(as_text=True)
    assert "Trường THCS Số 3" in page and "requested" in page
    base = f"/organiser/shows/minishow/groups/{made.group_id}"
    assert client.post(f"{base}/approve", data={"csrf_token": token}).status_code == 303
    client.post(f"{base}/resize", data={"csrf_token": token, "pupils": "8", "adults": "2"})
    with app.app_context():
        assert db.session.scalar(select(Show.issued_count)) == 10
    client.post(
        f"{base}/resize", data={"csrf_token": token, "pupils": "30", "adults": "2"}
    )  # over the group maximum
    page = client.get("/organiser/shows/minishow/groups?lang=en").get_data(as_text=True)
    assert "roster incomplete (0/10)" in page
    client.post(f"{base}/cancel", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(select(Show.issued_count)) == 0
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith("group.")] == [
        "group.settings",
        "group.approve",
        "group.resize",
        "group.cancel",
    ]


def test_volunteers_cannot_reach_the_group_console(app, client, now):
    make_show(app, "minishow")
    assert client.get("/organiser/shows/minishow/groups").status_code in (302, 303)
