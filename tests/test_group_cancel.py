"""A pupil's ticket cancelled from the organiser console: the place goes back to the group's held
places (the public pool and the waitlist get nothing), unless the group's roster deadline has
passed, when it goes to the public pool and the first in line is promoted. Cancelling a group
cancels its members' tickets with the places. Atomic: cancellations racing public registrations
never oversell, on a SQLite file and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.factories import make_show, person
from tests.support.groups import allow_groups, ticketed_group
from tests.support.organiser import form_token, organiser_client
from tests.support.racing import in_app, release_together

QUOTA = 10


def _state(app):
    """(show counter, group's held places, issued tickets, waitlisted tickets)."""
    from checkin.extensions import db
    from checkin.group_models import SchoolGroup
    from checkin.models import Show, Ticket

    with app.app_context():
        counter = db.session.scalar(select(Show.issued_count).where(Show.slug == "minishow"))
        held = db.session.scalar(select(func.coalesce(func.sum(SchoolGroup.held_places), 0)))
        statuses = dict(db.session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
        return counter, held, statuses.get("issued", 0), statuses.get("waitlisted", 0)


def _full_show(app, *, deadline=None, pupils=3):
    """A show whose quota is taken by a group (pupils + 1 adult) and the public, one person waiting."""
    from checkin.database import utcnow
    from checkin.registration import register

    make_show(app, "minishow", quota=QUOTA)
    allow_groups(app, "minishow", deadline=deadline)
    token, members = ticketed_group(app, "minishow", pupils=pupils)
    with app.app_context():
        for i in range(QUOTA - pupils - 1):
            assert register("minishow", person(i), now=utcnow()).status == "issued"
        assert register("minishow", person(99), now=utcnow(), join_waitlist=True).status == "waitlisted"
    return token, members


def _set_deadline(app, when):
    from checkin.database import transaction
    from checkin.group_models import GroupSettings

    with app.app_context(), transaction() as session:
        session.execute(GroupSettings.__table__.update().values(roster_deadline=when))


def _cancel_in_console(app, now, code):
    org = organiser_client(app, now)
    token = form_token(org, f"/organiser/tickets/{code}")
    response = org.post(f"/organiser/tickets/{code}/cancel", data={"csrf_token": token})
    assert response.status_code in (302, 303), response.get_data(as_text=True)


def test_a_cancelled_pupils_place_stays_with_the_group_and_can_be_refilled(app, client, now):
    from checkin.database import utcnow
    from checkin.errors import ShowFull
    from checkin.extensions import db
    from checkin.group_models import GroupMember
    from checkin.group_roster import add_members, attest_paper, remove_member
    from checkin.group_tickets import issue
    from checkin.models import Ticket
    from checkin.registration import register

    token, members = _full_show(app)
    assert _state(app) == (QUOTA, 4, QUOTA, 1)
    _cancel_in_console(app, now, members[0][0])
    # The place is the group's still: the counter keeps it, nobody waiting is promoted.
    assert _state(app) == (QUOTA, 4, QUOTA - 1, 1)
    with app.app_context():
        with pytest.raises(ShowFull):
            register("minishow", person(50), now=utcnow())
        # The teacher puts another pupil in the freed place, who gets a ticket.
        gone = db.session.scalar(
            select(GroupMember.id)
            .join(Ticket, Ticket.id == GroupMember.ticket_id)
            .where(Ticket.code == members[0][0])
        )
        remove_member(token, gone)
        add_members(token, [(1, {"name": "Lê Thị Ngọc Ánh", "birth_year": 2015})], [], now=utcnow())
        newcomer = db.session.scalar(select(GroupMember.id).where(GroupMember.ticket_id.is_(None)))
        attest_paper(token, newcomer, now=utcnow())
        assert issue(token, now=utcnow()) == 1
        assert issue(token, now=utcnow()) == 0  # never more tickets than the places held
    assert _state(app) == (QUOTA, 4, QUOTA, 1)


def test_after_the_roster_deadline_a_cancelled_pupils_place_goes_to_the_waitlist(app, client, now):
    token, members = _full_show(app)
    _set_deadline(app, now - timedelta(minutes=1))
    _cancel_in_console(app, now, members[1][0])
    # One place less for the group; the public's place went to the first in line.
    assert _state(app) == (QUOTA, 3, QUOTA, 0)


def test_cancelling_a_group_cancels_its_members_tickets_and_gives_every_place_back(app, now):
    from checkin.database import utcnow
    from checkin.extensions import db
    from checkin.group_changes import cancel
    from checkin.group_models import SchoolGroup
    from checkin.models import Ticket

    _, members = _full_show(app)
    with app.app_context():
        cancel(db.session.scalar(select(SchoolGroup.id)), now=utcnow())
        statuses = set(
            db.session.scalars(select(Ticket.status).where(Ticket.code.in_([c for c, _ in members])))
        )
    assert statuses == {"cancelled"}
    # Four places back: one to the waiting person, three free.
    assert _state(app) == (QUOTA - 3, 0, QUOTA - 3, 0)


@pytest.mark.slow
@pytest.mark.parametrize("past_deadline", [False, True])
def test_cancelling_pupils_while_the_public_registers_never_oversells(app, now, past_deadline):
    from checkin.attendees import cancel
    from checkin.database import utcnow
    from checkin.errors import DomainError
    from checkin.registration import register

    pupils = 6
    _, members = _full_show(app, pupils=pupils)
    if past_deadline:
        _set_deadline(app, now - timedelta(minutes=1))
    codes = [code for code, _ in members[:pupils]]

    def one(i: int) -> str:
        try:
            if i < pupils:
                return "cancelled-" + cancel(codes[i], now=utcnow(), actor=None).was
            return "public-" + register("minishow", person(200 + i), now=utcnow()).status
        except DomainError as error:
            return "public-" + error.code

    outcomes = release_together(in_app(app, one), 2 * pupils, unfinished="unfinished")
    assert outcomes.count("cancelled-issued") == pupils, outcomes
    counter, held, issued, waiting = _state(app)
    public = outcomes.count("public-issued")
    if past_deadline:
        # Every place went public: the waiting person first, then newcomers (those who asked
        # before a place was free were turned away), and the rest is free.
        assert (held, waiting) == (1, 0), outcomes
        assert counter == QUOTA - (pupils - 1 - public)
    else:
        assert (held, waiting, public, counter) == (pupils + 1, 1, 0, QUOTA), outcomes
    # The counter is the public's tickets (all issued but the adult's) plus the group's held
    # places, and never past the quota.
    assert counter == issued - 1 + held <= QUOTA
