"""A school group's members have no contacts of their own (pupils have no e-mail or phone; their
tickets carry placeholders that reach nobody): the organisers' attendee search, ticket page and
CSV export show the group and its teacher instead, never the placeholders as if real."""

from __future__ import annotations

import csv
import io

from tests.support.factories import make_show, person
from tests.support.groups import allow_groups, ticketed_group
from tests.support.organiser import form_token, organiser_client
from tests.support.registering import registered


def test_members_show_their_group_and_teacher_not_placeholder_contacts(app, client, now):
    from checkin.group_tickets import MEMBER_EMAIL_DOMAIN

    make_show(app, "minishow", quota=20)
    allow_groups(app, "minishow")
    _, members = ticketed_group(app, "minishow", pupils=2)
    public = registered(client, "minishow", person(5, email="an.tran@example.vn"))["code"]
    org = organiser_client(app, now)
    token = form_token(org, "/organiser/attendees")

    html = org.post("/organiser/attendees", data={"q": "", "csrf_token": token}).get_data(as_text=True)
    assert MEMBER_EMAIL_DOMAIN not in html
    assert html.count("Trường THCS Số 1 – 7A1") == len(members) and "Trần Thị 1" in html
    assert "an.tran@example.vn" in html  # a real attendee's contacts are still shown
    # The placeholders are not searchable contacts either.
    for query in (MEMBER_EMAIL_DOMAIN, "member"):
        found = org.post("/organiser/attendees", data={"q": query, "csrf_token": token}).get_data(
            as_text=True
        )
        assert not any(code in found for code, _ in members), query
    # The members are found by name, with their group.
    found = org.post("/organiser/attendees", data={"q": members[0][1], "csrf_token": token})
    assert "Trường THCS Số 1 – 7A1" in found.get_data(as_text=True)

    page = org.get(f"/organiser/tickets/{members[0][0]}").get_data(as_text=True)
    assert MEMBER_EMAIL_DOMAIN not in page and "gv1@school.example.com" in page

    response = org.post("/organiser/exports/attendees.csv", data={"csrf_token": token})
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))}
    for code, name in members:
        row = rows[code]
        assert (row["name"], row["email"], row["phone"]) == (name, "", "")
        assert row["school_group"].startswith("Trường THCS Số 1 – 7A1 · Trần Thị 1")
    assert rows[public]["email"] == "an.tran@example.vn" and rows[public]["school_group"] == ""


def test_resending_a_members_ticket_mails_the_teacher_not_the_placeholder(app, now):
    """A member's placeholder address reaches nobody: the organiser's "send again" queues the
    group's message to its teacher (the links and the tickets so far), as the button says."""
    from sqlalchemy import select

    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.group_tickets import MEMBER_EMAIL_DOMAIN
    from checkin.models import OutboxMessage, Ticket
    from tests.support.groups import deliver_group_mail
    from tests.support.mail import Collect

    make_show(app, "minishow", quota=20)
    allow_groups(app, "minishow")
    _, members = ticketed_group(app, "minishow", pupils=2)
    code = members[0][0]
    org = organiser_client(app, now)
    token = form_token(org, f"/organiser/tickets/{code}")
    assert "Gửi lại vé của nhóm cho giáo viên phụ trách" in org.get(f"/organiser/tickets/{code}").get_data(
        as_text=True
    )

    response = org.post(
        f"/organiser/tickets/{code}/resend", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Vé của nhóm sẽ được gửi lại cho giáo viên phụ trách" in response.get_data(as_text=True)
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.code == code))
        assert (
            db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.ticket_id == ticket_id)).all()
            == []
        )
    transport = Collect()
    assert deliver_group_mail(app, transport, utcnow()) == 1
    [message] = transport.sent
    assert message["To"] == "gv1@school.example.com"
    assert MEMBER_EMAIL_DOMAIN not in str(message["To"])
