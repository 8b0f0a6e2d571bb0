"""Helpers for reconfirmation's tests: a show with confirmed holders and people waiting."""

from __future__ import annotations

from datetime import timedelta

from tests.support.factories import make_show, person


def show_with_holders(
    app, slug="rc", *, issued=6, waiting=3, now=None, **fields
) -> tuple[list[str], list[str]]:
    """A full show whose doors open in two days: `issued` confirmed tickets and `waiting`
    confirmed places on the waitlist; their link tokens, in registration order."""
    from checkin.database import utcnow
    from checkin.registration import confirm, register

    now = now or utcnow()
    make_show(
        app,
        slug,
        quota=issued,
        capacity=issued,
        now=now,
        doors_open_at=now + timedelta(days=2),
        starts_at=now + timedelta(days=2, hours=1),
        ends_at=now + timedelta(days=2, hours=4),
        **fields,
    )
    tokens = []
    with app.app_context():
        for i in range(issued + waiting):
            done = register(slug, person(i), now=now, join_waitlist=i >= issued)
            assert done.status == ("issued" if i < issued else "waitlisted"), done
            confirm(done.token, now=now)
            tokens.append(done.token)
    return tokens[:issued], tokens[issued:]


def statuses(app, tokens) -> list[str]:
    from sqlalchemy import select

    from checkin.extensions import db
    from checkin.models import Ticket

    with app.app_context():
        found = dict(
            db.session.execute(select(Ticket.token, Ticket.status).where(Ticket.token.in_(tokens))).all()
        )
        db.session.remove()
    return [found[token] for token in tokens]


def mail_kinds(app) -> list[tuple[str, str]]:
    """(ticket token, kind) of every queued message, in order."""
    from sqlalchemy import select

    from checkin.extensions import db
    from checkin.models import OutboxMessage, Ticket

    with app.app_context():
        rows = db.session.execute(
            select(Ticket.token, OutboxMessage.kind)
            .join(Ticket, Ticket.id == OutboxMessage.ticket_id)
            .order_by(OutboxMessage.id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]
