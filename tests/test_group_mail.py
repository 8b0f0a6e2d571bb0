"""Mail to a group's teacher: the links in one message through the group outbox, and one
reminder of missing consents before the roster deadline."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.support.factories import make_show
from tests.support.groups import allow_groups, deliver_group_mail, teacher
from tests.support.mail import Collect
from tests.support.web import csrf_token


def test_the_teacher_gets_the_links_in_one_message_once(app, client):
    from checkin.database import utcnow
    from checkin.group_roster import add_members

    make_show(app, "minishow", quota=40)
    allow_groups(app, "minishow")
    csrf = csrf_token(client, "/shows/minishow/groups/new")
    response = client.post(
        "/shows/minishow/groups/new",
        data=dict(teacher(1, pupils="2", adults="1"), consent="y", csrf_token=csrf),
    )
    token = response.headers["Location"].rsplit("/g/", 1)[1]
    with app.app_context():
        add_members(token, [(1, {"name": "Nguyễn An", "birth_year": 2014})], [], now=utcnow())
    assert client.post(f"/g/{token}/email", data={"csrf_token": csrf}).status_code == 303
    transport = Collect()
    assert deliver_group_mail(app, transport, utcnow()) == 1
    assert deliver_group_mail(app, transport, utcnow()) == 0
    [message] = transport.sent
    body = message.get_content()
    assert message["To"] == "gv1@school.example.com"
    assert (
        f"/g/{token}" in body
        and f"/g/{token}/tickets" in body
        and "Nguyễn An: http" in body
        and "/c/" in body
    )


def test_one_reminder_of_missing_consents_before_the_deadline(app):
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.group_mail import queue_reminders
    from checkin.group_models import GroupMessage
    from checkin.group_roster import add_members
    from checkin.school_groups import request_group

    now = utcnow()
    make_show(app, "minishow", quota=40)
    allow_groups(app, "minishow", deadline=now + timedelta(days=3))
    with app.app_context():
        made = request_group("minishow", teacher(1, pupils=1, adults=1), now=now)
        add_members(made.token, [(1, {"name": "Nguyễn An", "birth_year": 2014})], [], now=now)
        assert queue_reminders(now) == 0  # three days before: not yet
        assert queue_reminders(now + timedelta(days=1, hours=1)) == 1
        assert queue_reminders(now + timedelta(days=1, hours=2)) == 0
        assert db.session.scalar(select(func.count(GroupMessage.id))) == 1
    transport = Collect()
    assert deliver_group_mail(app, transport, now + timedelta(days=1, hours=2)) == 1
    assert "Nguyễn An" in transport.sent[0].get_content()
