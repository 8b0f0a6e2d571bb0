"""Workers for the waitlist races: cancellations, new registrations and quota changes, each
through the same domain function as its page, released together. Importable, for "spawn"."""

from __future__ import annotations

import threading

from tests.support import racing


def act(app, slug: str, action: tuple) -> str:
    """One action; its outcome as a short string (an error code when refused)."""
    from checkin.cancellation import cancel_ticket
    from checkin.database import utcnow
    from checkin.errors import DomainError
    from checkin.extensions import db
    from checkin.registration import register
    from checkin.shows import update_show

    kind, argument = action
    with app.app_context():
        try:
            if kind == "cancel":
                return "cancelled-" + cancel_ticket(argument, now=utcnow()).was
            if kind == "register":
                return register(slug, argument, now=utcnow(), join_waitlist=True).status
            if kind == "quota":
                update_show(slug, now=utcnow(), ticket_quota=argument)
                return "quota"
            raise ValueError(kind)
        except DomainError as error:
            return error.code
        except Exception as error:  # noqa: BLE001 - reported as an outcome, asserted by the test
            return f"{type(error).__name__}: {error}"
        finally:
            db.session.remove()


def race_threads(
    app, slug: str, actions: list[tuple], *, start: threading.Event | None = None, ready=None
) -> list[str]:
    """Every action in a thread of its own, all released at the same moment."""
    return racing.release_together(
        lambda i: act(app, slug, actions[i]),
        len(actions),
        start=start,
        ready=ready,
        unfinished="thread did not finish",
    )


def process_racer(app_config: dict, slug: str, actions: list[tuple], ready, go, results) -> None:
    """One process of waitlist racers (see tests.support.racing.process_racer)."""
    racing.process_racer(app_config, slug, actions, ready, go, results, race=race_threads)


def naive_promote(app, slug: str, read_done: threading.Barrier) -> str:
    """The control: reads the first in line, then writes, with nothing tying the write to what
    was read (no lock, no condition). Returns the ticket id it promoted, or the error."""
    from sqlalchemy import select, update

    from checkin.extensions import db
    from checkin.models import Show, Ticket

    with app.app_context():
        session = db.session
        try:
            show = session.scalar(select(Show).where(Show.slug == slug))
            first = session.scalar(
                select(Ticket.id)
                .where(Ticket.show_id == show.id, Ticket.status == "waitlisted")
                .order_by(Ticket.id)
                .limit(1)
            )
            read_done.wait(timeout=60)
            session.execute(update(Ticket).where(Ticket.id == first).values(status="issued"))
            session.execute(update(Show).where(Show.id == show.id).values(issued_count=Show.issued_count + 1))
            session.commit()
            return str(first)
        except Exception as error:  # noqa: BLE001 - the control reports what broke
            session.rollback()
            return type(error).__name__
        finally:
            db.session.remove()
