"""Bearer tokens: the staff member a token stands for, and every way a token stops working."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.support.gate import add_volunteer, api_token


def test_a_token_stands_for_its_staff_member_until_it_expires_or_is_revoked(app, app_context, now):
    from checkin.extensions import db
    from checkin.models import ApiToken
    from checkin.staff import hash_token, staff_for_token

    staff_id = add_volunteer(app, "vol")
    token = api_token(app, "vol")
    found = staff_for_token(db.session, token, now)
    assert (found.id, found.name, found.role, found.is_organiser) == (staff_id, "vol", "volunteer", False)
    assert staff_for_token(db.session, token + "x", now) is None
    assert staff_for_token(db.session, "", now) is None

    def change(**values):
        db.session.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(token)).values(**values))
        db.session.commit()

    change(expires_at=now + timedelta(minutes=1))
    assert staff_for_token(db.session, token, now).id == staff_id
    assert staff_for_token(db.session, token, now + timedelta(minutes=1)) is None
    change(expires_at=None, revoked_at=now)
    assert staff_for_token(db.session, token, now) is None
