"""A property of the domain's validators, on SQLite and PostgreSQL: whatever they accept is
stored and read back unchanged (so nothing they let through can fail in the database as a
500, or come back different). Hypothesis draws the values; the budget is fixed and seeded."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.factories import make_show

BUDGET = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any Unicode text (NUL and control characters included; Hypothesis leaves lone surrogates out
# unless asked, so they are added), and Vietnamese names as people type them.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=320)
VIETNAMESE = st.text(
    st.sampled_from(
        "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩị"
        "óòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ ĐĂÂ\u0301\u0300 \t"
    ),
    min_size=1,
    max_size=120,
)
TIMES = st.one_of(
    st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 1)),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 1)),
)
COUNTS = st.one_of(st.integers(min_value=0, max_value=10**6), st.integers(min_value=-5, max_value=2**63))
TITLES = st.one_of(VIETNAMESE, ANY_TEXT)
accepted: dict[str, int] = {}


@pytest.fixture
def tally():
    """How many drawn values the validators accepted: the property must have been exercised."""
    accepted.clear()
    yield accepted
    assert accepted.get("stored", 0) >= 5, accepted


@given(
    name=st.one_of(VIETNAMESE, ANY_TEXT),
    guardian=st.one_of(VIETNAMESE, ANY_TEXT),
    local=st.from_regex(r"[a-zA-Z0-9._%+-]{1,64}", fullmatch=True),
    age=st.integers(0, 130),
    phone=st.integers(0, 999_999),
)
@BUDGET
def test_a_registrant_the_validators_accept_is_stored_as_validated(
    app, now, tally, name, guardian, local, age, phone
):
    from checkin.errors import DomainError
    from checkin.extensions import db
    from checkin.models import Show, Ticket
    from checkin.personal_data import validate_registrant
    from checkin.registration import register

    with app.app_context():
        if db.session.query(Show).filter_by(slug="prop").first() is None:
            make_show(app, "prop", quota=1000)
        values = {
            "name": name,
            "email": f"{local}@example.com",
            "phone": f"0912{phone:06d}",
            "birth_year": now.year - age,
            "consent": True,
            "guardian_name": guardian,
            "guardian_consent": True,
        }
        try:
            person = validate_registrant(values, now)
            registration = register("prop", values, now=now)
        except DomainError:
            return  # refused with a code: nothing to store
        if registration.code is None:
            return  # an e-mail or phone drawn before: its holder is told, nothing new stored
        db.session.rollback()  # a fresh read, not this session's snapshot
        stored = db.session.query(Ticket).filter_by(code=registration.code).one()
        assert (stored.name, stored.email, stored.phone, stored.birth_year, stored.guardian_name) == (
            person.name,
            person.email,
            person.phone,
            person.birth_year,
            person.guardian_name,
        )
        tally["stored"] = tally.get("stored", 0) + 1


_slugs = count()


@given(
    title=TITLES,
    venue=TITLES,
    doors=TIMES,
    length=st.integers(0, 600),
    quota=COUNTS,
    capacity=COUNTS,
    cutoff=COUNTS,
    gate=TITLES,
)
@BUDGET
def test_a_show_the_validators_accept_is_stored_as_validated(
    app, now, tally, title, venue, doors, length, quota, capacity, cutoff, gate
):
    from checkin.errors import DomainError
    from checkin.extensions import db
    from checkin.models import Show
    from checkin.shows import SHOW_FIELDS, create_show

    ends = doors + timedelta(minutes=length) if doors < datetime(9999, 12, 30) else doors
    values = {
        "slug": f"p{next(_slugs)}",
        "title_vi": title,
        "title_en": title,
        "venue": venue,
        "doors_open_at": doors,
        "starts_at": doors,
        "ends_at": ends,
        "ticket_quota": quota,
        "venue_capacity": capacity,
        "reentry_allowed": False,
        "registration_opens_at": doors - timedelta(days=1) if doors > datetime(1, 1, 2) else doors,
        "registration_closes_at": doors,
        "waitlist_cutoff_minutes": cutoff,
        "offline_names": False,
    }
    with app.app_context():
        try:
            show = create_show(values, now=now, gates=[gate])
        except DomainError:
            return
        expected = {name: getattr(show, name) for name in SHOW_FIELDS}
        db.session.rollback()  # a fresh read, not this session's snapshot
        stored = db.session.query(Show).filter_by(slug=values["slug"]).one()
        assert {name: getattr(stored, name) for name in SHOW_FIELDS} == expected
        assert [g.label for g in stored.gates] == [gate.strip()]
        tally["stored"] = tally.get("stored", 0) + 1


@pytest.mark.parametrize(
    "changes", [{"ends_at": datetime(9999, 12, 31)}, {"title_vi": "Gala\x00"}, {"ticket_quota": 2**31}]
)
def test_what_the_validators_refuse_never_reaches_the_database(app, now, changes):
    from checkin.errors import InvalidInput
    from checkin.shows import update_show

    make_show(app, "gala")
    with app.app_context(), pytest.raises(InvalidInput):
        update_show("gala", now=now, **changes)
