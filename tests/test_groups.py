"""School groups (issue 19): places held at once within the quota, approval, resize, cancel,
the deadline returning unfilled places, the roster answered row by row, and consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.factories import make_show, person
from tests.support.groups import allow_groups, teacher


def _show(app, slug="minishow"):
    from checkin.extensions import db
    from checkin.models import Show

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == slug))
        db.session.expunge_all()
        return show


def _now():
    from checkin.database import utcnow

    return utcnow()


def test_a_request_holds_its_places_at_once(app):
    from checkin.school_groups import request_group

    make_show(app, "minishow", quota=10)
    allow_groups(app, "minishow")
    with app.app_context():
        made = request_group("minishow", teacher(pupils=6, adults=2), now=_now())
    assert made.state == "held" and len(made.token) >= 32
    assert _show(app).issued_count == 8


def test_a_request_that_does_not_fit_holds_nothing(app):
    from checkin.errors import ShowFull
    from checkin.extensions import db
    from checkin.group_models import SchoolGroup
    from checkin.school_groups import request_group

    make_show(app, "minishow", quota=5)
    allow_groups(app, "minishow")
    with app.app_context():
        with pytest.raises(ShowFull):
            request_group("minishow", teacher(pupils=5, adults=1), now=_now())
        assert db.session.scalar(select(func.count(SchoolGroup.id))) == 0
    assert _show(app).issued_count == 0


def test_bad_requests_are_answered_by_field(app):
    from checkin.errors import InvalidInput
    from checkin.school_groups import request_group

    make_show(app, "minishow", quota=50)
    allow_groups(app, "minishow", max_size=10)
    with app.app_context(), pytest.raises(InvalidInput) as error:
        request_group(
            "minishow",
            teacher(pupils=10, adults=1, teacher_email="x", class_name=" ", consent=False),
            now=_now(),
        )
    assert error.value.fields == {
        "pupils": "group_too_large",
        "teacher_email": "invalid_email",
        "class_name": "required",
        "consent": "consent_required",
    }


def test_approval_holds_places_only_when_approved(app):
    from checkin.errors import ShowFull
    from checkin.registration import register
    from checkin.school_groups import approve, request_group

    make_show(app, "minishow", quota=4)
    allow_groups(app, "minishow", approval=True)
    with app.app_context():
        made = request_group("minishow", teacher(pupils=2, adults=1), now=_now())
        assert made.state == "requested"
        register("minishow", person(1), now=_now())
        register("minishow", person(2), now=_now())
        with pytest.raises(ShowFull):
            approve(made.group_id, now=_now())
    assert _show(app).issued_count == 2


def test_resize_and_cancel_give_back_exactly_the_held_places(app):
    from checkin.errors import ShowFull
    from checkin.group_changes import cancel, resize
    from checkin.school_groups import request_group

    make_show(app, "minishow", quota=10)
    allow_groups(app, "minishow")
    with app.app_context():
        made = request_group("minishow", teacher(pupils=4, adults=1), now=_now())
        resize(made.group_id, 7, 2, now=_now())
        assert _show(app).issued_count == 9
        with pytest.raises(ShowFull):
            resize(made.group_id, 8, 3, now=_now())
        resize(made.group_id, 2, 1, now=_now())
        assert _show(app).issued_count == 3
        cancel(made.group_id, now=_now())
        cancel(made.group_id, now=_now())
    assert _show(app).issued_count == 0


def test_cancelling_a_group_promotes_the_waitlist(app):
    from checkin.extensions import db
    from checkin.group_changes import cancel
    from checkin.models import Ticket
    from checkin.registration import register
    from checkin.school_groups import request_group

    make_show(app, "minishow", quota=3)
    allow_groups(app, "minishow")
    with app.app_context():
        made = request_group("minishow", teacher(pupils=2, adults=1), now=_now())
        assert register("minishow", person(1), now=_now(), join_waitlist=True).status == "waitlisted"
        cancel(made.group_id, now=_now())
        assert db.session.scalar(select(Ticket.status)) == "issued"
    assert _show(app).issued_count == 1


def _group_with_roster(app, pupils=3, adults=1):
    from checkin.group_roster import add_members
    from checkin.school_groups import request_group

    made = request_group("minishow", teacher(pupils=pupils, adults=adults), now=_now())
    add_members(
        made.token,
        [(i + 1, {"name": f"Lê Văn {i}", "birth_year": "2014"}) for i in range(pupils)],
        [(1, "Phạm Thị Hoa")],
        now=_now(),
    )
    return made


def test_the_deadline_returns_unfilled_places_and_promotes_the_waitlist(app):
    from checkin.extensions import db
    from checkin.group_changes import release_unfilled
    from checkin.group_models import GroupMember
    from checkin.group_roster import attest_paper
    from checkin.models import Ticket
    from checkin.registration import register

    now = _now()
    make_show(app, "minishow", quota=5)
    allow_groups(app, "minishow", deadline=now + timedelta(days=1))
    with app.app_context():
        made = _group_with_roster(app, pupils=3)
        register("minishow", person(1), now=now)
        assert register("minishow", person(2), now=now, join_waitlist=True).status == "waitlisted"
        first = db.session.scalar(select(GroupMember.id).where(GroupMember.kind == "pupil"))
        attest_paper(made.token, first, now=now)
        assert release_unfilled(_show(app).id, now=now) == 0  # not yet
        assert release_unfilled(_show(app).id, now=now + timedelta(days=1)) == 2
        assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.status == "issued")) == 2
    assert _show(app).issued_count == 4  # 2 kept by the group (1 adult, 1 consented), 1 public, 1 promoted


def test_a_roster_with_bad_rows_is_answered_row_by_row_and_nothing_is_written(app):
    from checkin.extensions import db
    from checkin.group_models import GroupMember
    from checkin.group_roster import RosterInvalid, add_members, read_csv
    from checkin.school_groups import request_group

    make_show(app, "minishow", quota=50)
    allow_groups(app, "minishow")
    upload = "Họ và tên;Năm sinh\nNguyễn An;2014\n;2014\nTrần Bình;20x4\nLê Chi;1850\nĐỗ Dung;2013\n"
    with app.app_context():
        made = request_group("minishow", teacher(pupils=5, adults=1), now=_now())
        with pytest.raises(RosterInvalid) as error:
            add_members(made.token, read_csv(upload.encode("utf-8-sig")), [], now=_now())
        assert error.value.rows == [
            (3, "name", "required"),
            (4, "birth_year", "invalid_birth_year"),
            (5, "birth_year", "invalid_birth_year"),
        ]
        assert db.session.scalar(select(func.count(GroupMember.id))) == 0
        good = "Nguyễn An,2014\nĐỗ Dung,2013\n"
        assert add_members(made.token, read_csv(good.encode()), [(1, "Phạm Hoa")], now=_now()) == 3
        with pytest.raises(RosterInvalid) as error:
            add_members(made.token, read_csv(b"A B,2014\nC D,2014\nE F,2014\nG H,2014\n"), [], now=_now())
        assert error.value.rows == [(4, "name", "too_many_pupils")]


def test_consent_online_once_and_by_paper_each_recorded_with_way_time_and_notice(app):
    from checkin.errors import InvalidInput, NotFound
    from checkin.extensions import db
    from checkin.group_models import GroupMember
    from checkin.group_roster import attest_paper, consent_request, give_online_consent, renew_consent_link
    from checkin.personal_data import PRIVACY_NOTICE_VERSION

    make_show(app, "minishow", quota=50)
    allow_groups(app, "minishow")
    now = _now()
    with app.app_context():
        made = _group_with_roster(app, pupils=2)
        first, second = db.session.scalars(
            select(GroupMember).where(GroupMember.kind == "pupil").order_by(GroupMember.id)
        ).all()
        token, other_id = first.consent_token, second.id
        db.session.remove()
        assert consent_request(db.session, token).pupil_name == "Lê Văn 0"
        with pytest.raises(InvalidInput):
            give_online_consent(token, {"guardian_name": "Lê Thị Mẹ"}, now=now)
        assert give_online_consent(token, {"guardian_name": "Lê Thị Mẹ", "guardian_consent": "y"}, now=now)
        assert not give_online_consent(token, {"guardian_name": "Khác", "guardian_consent": "y"}, now=now)
        assert attest_paper(made.token, other_id, now=now)
        fresh = renew_consent_link(made.token, other_id)
        with pytest.raises(NotFound):  # a group's link is not a consent link, nor the reverse
            attest_paper(token, other_id, now=now)
        with pytest.raises(NotFound):
            consent_request(db.session, made.token)
        db.session.remove()
        rows = db.session.execute(
            select(
                GroupMember.consent_way,
                GroupMember.consent_by,
                GroupMember.consent_notice_version,
                GroupMember.consent_at,
            )
            .where(GroupMember.kind == "pupil")
            .order_by(GroupMember.id)
        ).all()
        assert [(r[0], r[1], r[2]) for r in rows] == [
            ("online", "Lê Thị Mẹ", PRIVACY_NOTICE_VERSION),
            ("paper", "Trần Thị 0", PRIVACY_NOTICE_VERSION),
        ]
        assert all(r[3] is not None for r in rows)
        assert consent_request(db.session, fresh).given


def test_tickets_only_for_adults_and_consented_pupils_within_the_held_places(app):
    from checkin.extensions import db
    from checkin.group_models import GroupMember
    from checkin.group_roster import attest_paper
    from checkin.group_tickets import issue
    from checkin.models import Ticket

    make_show(app, "minishow", quota=10)
    allow_groups(app, "minishow")
    with app.app_context():
        made = _group_with_roster(app, pupils=3)
        first = db.session.scalar(
            select(GroupMember.id).where(GroupMember.kind == "pupil").order_by(GroupMember.id)
        )
        attest_paper(made.token, first, now=_now())
        assert issue(made.token, now=_now()) == 2
        assert issue(made.token, now=_now()) == 0
        names = set(db.session.scalars(select(Ticket.name).where(Ticket.status == "issued")))
        assert names == {"Lê Văn 0", "Phạm Thị Hoa"}
        ticket = db.session.scalar(select(Ticket).where(Ticket.name == "Lê Văn 0"))
        assert ticket.confirmed_at is not None and ticket.consent_version
    assert _show(app).issued_count == 4  # the group's held places; its tickets took none again


def test_the_group_pass_is_its_own_signed_kind(app, app_context):
    from checkin import tickets
    from checkin.group_pass import sign_pass, verify_pass

    keyring = app.extensions["checkin_keyring"]
    signed = sign_pass("ABCDEFGH", keyring)
    assert verify_pass(signed, keyring) == "ABCDEFGH"
    assert tickets.verify_payload(signed, keyring) is None
    assert verify_pass(signed[:-1] + ("A" if signed[-1] != "A" else "B"), keyring) is None
    assert verify_pass(tickets.sign_payload("ABCDEFGH", keyring), keyring) is None
    forged = "G1" + tickets.sign_payload("ABCDEFGH", keyring)[2:]
    assert verify_pass(forged, keyring) is None


def test_the_retention_purge_erases_groups_and_their_rosters_but_keeps_the_consent_records(app):
    from checkin.extensions import db
    from checkin.group_models import GroupMember, SchoolGroup
    from checkin.group_roster import attest_paper
    from checkin.retention import purge

    make_show(app, "minishow", quota=10)
    allow_groups(app, "minishow")
    with app.app_context():
        made = _group_with_roster(app, pupils=2)
        first = db.session.scalar(select(GroupMember.id).where(GroupMember.kind == "pupil"))
        attest_paper(made.token, first, now=_now())
        show = _show(app)
        assert purge(now=show.ends_at + timedelta(days=89)).groups == 0
        assert purge(now=show.ends_at + timedelta(days=91)).groups == 1
        db.session.remove()
        group = db.session.scalar(select(SchoolGroup))
        assert (group.school, group.teacher_name, group.erased_at is not None) == ("", "", True)
        assert "@" not in group.teacher_email and group.token != made.token
        members = db.session.scalars(select(GroupMember)).all()
        assert {(m.name, m.birth_year, m.consent_by, m.consent_token) for m in members} == {
            ("", None, None, None)
        }
        assert [m.consent_way for m in members if m.consent_way] == ["paper"]


def test_the_worker_returns_unfilled_group_places_once_the_deadline_passes(app):
    from checkin.maintenance import Maintenance

    now = _now()
    make_show(app, "minishow", quota=10)
    allow_groups(app, "minishow", deadline=now + timedelta(hours=1))
    with app.app_context():
        _group_with_roster(app, pupils=3)  # 4 places held, 1 filled (the adult)
        worker = Maintenance(cancelled_days=7)
        assert worker.run(now)["group_places_returned"] == 0
        assert worker.run(now + timedelta(hours=1))["group_places_returned"] == 3
        assert worker.run(now + timedelta(hours=2))["group_places_returned"] == 0
    assert _show(app).issued_count == 1
