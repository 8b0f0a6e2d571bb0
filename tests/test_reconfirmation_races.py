""" "I'm coming" in the deadline's very second, while two workers release the silent (threads;
SQLite file and PostgreSQL): every holder told "coming" keeps the ticket, every released one was
told it is too late, never both; the waitlist gets exactly the freed seats; no oversell."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.racing import in_app, release_together
from tests.support.reconfirming import show_with_holders

pytestmark = pytest.mark.slow

HOLDERS = 16
SWEEPERS = 2


def test_coming_at_the_deadline_is_never_released(app, now):
    from checkin import reconfirmation, reconfirmation_sweep
    from checkin.errors import DomainError
    from checkin.extensions import db
    from checkin.models import ReconfirmationAnswer, Show, Ticket

    holders, waiting = show_with_holders(app, issued=HOLDERS, waiting=HOLDERS, now=now)
    deadline = now + timedelta(hours=1)
    with app.app_context():
        reconfirmation.start("rc", deadline=deadline, now=now)
    clicks: dict[str, str] = {}

    def work(i):
        if i < SWEEPERS:
            try:
                return reconfirmation_sweep.sweep(deadline)["released"]
            except Exception as error:  # noqa: BLE001 - asserted below
                return f"{type(error).__name__}: {error}"
        token = holders[i - SWEEPERS]
        try:
            clicks[token] = reconfirmation.reply(token, "coming", now=deadline)
        except DomainError as error:
            clicks[token] = error.code
        except Exception as error:  # noqa: BLE001 - asserted below
            clicks[token] = f"{type(error).__name__}: {error}"
        return None

    swept = release_together(in_app(app, work), SWEEPERS + HOLDERS)[:SWEEPERS]
    assert all(isinstance(count, int) for count in swept), swept
    assert set(clicks.values()) <= {"coming", "reconfirmation_closed"}, Counter(clicks.values())
    with app.app_context():
        rows = db.session.execute(
            select(Ticket.token, Ticket.status, ReconfirmationAnswer.answer).join(
                ReconfirmationAnswer, ReconfirmationAnswer.ticket_id == Ticket.id
            )
        ).all()
        state = {token: (status, answer) for token, status, answer in rows}
        for token in holders:
            expected = ("issued", "coming") if clicks[token] == "coming" else ("cancelled", "released")
            assert state[token] == expected, (clicks[token], state[token])
        released = sum(1 for token in holders if clicks[token] != "coming")
        assert sum(swept) == released
        show = db.session.scalar(select(Show).where(Show.slug == "rc"))
        issued = db.session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.show_id == show.id, Ticket.status == "issued")
        )
        promoted = db.session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.token.in_(waiting), Ticket.status == "issued")
        )
        assert show.issued_count == issued == HOLDERS <= show.ticket_quota
        assert promoted == released == reconfirmation.counts(db.session, show.id).promoted
        db.session.remove()
    print(f"\nrace: {Counter(clicks.values())}, released {released}, promoted {promoted}")
