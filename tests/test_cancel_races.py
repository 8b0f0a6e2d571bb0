"""A holder cancels while a volunteer scans the same ticket, many tickets at once (threads;
SQLite file and PostgreSQL): each ticket ends either cancelled and refused at the gate, or
admitted and kept; never both, never a deadlock or an error; the counters match the rows."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.support.gate import add_volunteer, issue, open_show, payload, scan_id
from tests.support.racing import in_app, release_together

pytestmark = pytest.mark.slow

TICKETS = 15


def test_cancel_and_scan_of_one_ticket_at_once(app):
    from checkin.admission import scan
    from checkin.cancellation import cancel_ticket
    from checkin.database import utcnow
    from checkin.errors import DomainError
    from checkin.extensions import db
    from checkin.models import Show, Ticket

    open_show(app, "gate", quota=TICKETS, capacity=TICKETS)
    codes = issue(app, "gate", TICKETS)
    volunteer = add_volunteer(app)
    with app.app_context():
        tokens = dict(db.session.execute(select(Ticket.code, Ticket.token)).all())
        db.session.remove()
    payloads = {code: payload(app, code) for code in codes}
    keyring = app.extensions["checkin_keyring"]
    outcomes: dict[tuple[str, str], str] = {}

    def cancel(code):
        try:
            cancel_ticket(tokens[code], now=utcnow())
            outcomes[code, "cancel"] = "cancelled"
        except DomainError as error:
            outcomes[code, "cancel"] = error.code
        except Exception as error:  # noqa: BLE001 - asserted below
            outcomes[code, "cancel"] = f"{type(error).__name__}: {error}"

    def gate(code):
        try:
            outcomes[code, "scan"] = scan(
                payloads[code],
                keyring=keyring,
                staff=volunteer,
                gate="A",
                direction="in",
                client_scan_id=scan_id(),
                scanned_at=None,
                show_slug="gate",
                now=utcnow(),
            ).result
        except Exception as error:  # noqa: BLE001 - asserted below
            outcomes[code, "scan"] = f"{type(error).__name__}: {error}"

    jobs = [(f, code) for code in codes for f in (cancel, gate)]
    release_together(in_app(app, lambda i: jobs[i][0](jobs[i][1])), len(jobs))
    pairs = Counter((outcomes[code, "cancel"], outcomes[code, "scan"]) for code in codes)
    assert set(pairs) <= {("cancelled", "cancelled"), ("ticket_used", "admitted")}, pairs
    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == "gate"))
        issued = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status == "issued"))
        admitted = db.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.admitted_at.is_not(None))
        )
        cancelled_admitted = db.session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.status == "cancelled", Ticket.admitted_at.is_not(None))
        )
        assert show.issued_count == issued == pairs["ticket_used", "admitted"]
        assert show.inside_count == admitted == issued and cancelled_admitted == 0
        db.session.remove()
