"""A scan that reads its ticket locked holds it FOR NO KEY UPDATE, not FOR UPDATE, on
PostgreSQL. A scan row's foreign key check takes FOR KEY SHARE on its ticket; under FOR UPDATE
a replay of the same scan (a phone retrying on a slow network while its first try is still in
flight) deadlocked against it: one held the ticket and waited on the other's client id, the
other held that id and waited on the ticket (CI's PostgreSQL log, 2026-11-30)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.support.gate import issue, open_show, scan_qr


@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_a_refusal_is_recorded_while_another_gate_holds_the_ticket(app, now):
    from checkin.admission import statements
    from checkin.extensions import db
    from checkin.models import Scan

    open_show(app)
    (code,) = issue(app, "gate", 1)
    with app.app_context():
        assert scan_qr(app, code, now).result == "admitted"
        engine = db.engine
        db.session.remove()
    holder = engine.connect()
    holder.begin()
    assert holder.execute(statements.FIND_LOCKED["code"], {"ref": code}).first() is not None
    answers: list[str] = []

    def scan_again() -> None:
        with app.app_context():
            answers.append(scan_qr(app, code, now).result)
            db.session.remove()

    refusal = threading.Thread(target=scan_again)
    refusal.start()
    refusal.join(timeout=5)
    held_throughout = refusal.is_alive()
    holder.rollback()
    holder.close()
    refusal.join(timeout=30)
    assert not held_throughout, "the refusal's scan row waited for the other gate's lock on the ticket"
    assert answers == ["already_inside"]
    with app.app_context():
        assert len(db.session.scalars(select(Scan.id)).all()) == 2
