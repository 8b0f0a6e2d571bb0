"""Reconfirmation: the day before a show, every holder of an issued ticket is asked "are you
still coming?"; who cannot come frees the seat at once, and whoever stays silent past the
deadline loses it to the waitlist.

Each asked ticket has one answer row. Its `answer` leaves NULL (silent) by one conditional
UPDATE, `... WHERE answer IS NULL`, whether the holder says "I'm coming" or the worker releases
the ticket at the deadline: the database lets exactly one of the two change the row, so a
ticket reconfirmed in the deadline's very second is never released (on PostgreSQL the second
UPDATE waits for the first and finds the row no longer silent). The seat freed by a decline or a
release goes back to the show and to the first in line in the same transaction
(cancellation.cancel_in), so releases and promotions never oversell.

Lock order: the answer row, then the ticket, then the show, as a cancellation and the gate do.

The worker's side (reminders, and the release of the silent at the deadline) is
checkin/reconfirmation_sweep.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, insert, literal, select, update

from . import audit
from .cancellation import cancel_in
from .database import transaction
from .errors import AlreadyCancelled, InvalidInput, NotAsked, ReconfirmationClosed, TicketUsed
from .group_models import GroupMember
from .models import OutboxMessage, Reconfirmation, ReconfirmationAnswer, Ticket
from .registration import ticket_by_token
from .shows import get_show

COMING, DECLINED, RELEASED, VOID = "coming", "declined", "released", "void"
REPLIES = (COMING, DECLINED)
# Releases per transaction: each batch holds the show's row only briefly.
Answer = ReconfirmationAnswer


@dataclass(frozen=True)
class Counts:
    asked: int
    confirmed: int
    declined: int
    silent: int
    released: int
    promoted: int
    deadline: datetime
    state: str  # "running", "released" (the deadline passed and the silent were released), "cancelled"

    def to_json(self, local) -> dict:
        return {
            "asked": self.asked,
            "confirmed": self.confirmed,
            "declined": self.declined,
            "silent": self.silent,
            "released": self.released,
            "promoted": self.promoted,
            "deadline": local(self.deadline).isoformat(),
            "state": self.state,
        }


def _round(session, show_id: int) -> Reconfirmation | None:
    return session.scalar(select(Reconfirmation).where(Reconfirmation.show_id == show_id))


def start(
    slug: str, *, deadline: datetime, now: datetime, remind_before: timedelta | None = None, actor=None
) -> Counts:
    """Asks every holder of an issued, confirmed, unused ticket of the show (an e-mail each,
    through the outbox). Starting again while it runs asks only those not asked yet (tickets
    issued since) and keeps the deadline, so a second click changes nothing; after a
    cancellation it starts again with the new deadline, keeping the answers already given."""
    with transaction() as session:
        show = get_show(session, slug)
        if deadline <= now:
            raise InvalidInput({"deadline": "deadline_past"})
        if deadline >= show.doors_open_at:
            raise InvalidInput({"deadline": "deadline_after_doors"})
        remind_at = deadline - remind_before if remind_before else None
        if remind_at is not None and remind_at <= now:
            remind_at = None  # too late to remind: the question itself is the reminder
        found = session.scalars(
            select(Reconfirmation).where(Reconfirmation.show_id == show.id).with_for_update()
        ).first()
        if found is None:
            found = Reconfirmation(show_id=show.id, deadline=deadline, remind_at=remind_at, started_at=now)
            session.add(found)
            session.flush()
        elif found.cancelled_at is not None or found.released_at is not None:
            found.deadline, found.remind_at, found.started_at = deadline, remind_at, now
            found.cancelled_at = found.reminded_at = found.released_at = None
            session.flush()
        newly_asked = _ask(session, found.id, show.id, now)
        if actor is not None:
            audit.record(
                session,
                actor,
                "reconfirmation.start",
                "show",
                show.slug,
                None,
                {"deadline": found.deadline.isoformat(), "asked": newly_asked},
                now,
            )
        return _counts_of(session, found)


def _ask(session, round_id: int, show_id: int, now: datetime) -> int:
    """Answer rows and question e-mails for the show's tickets not asked yet: two INSERT ...
    SELECTs, however many holders."""
    askable = select(literal(round_id), Ticket.id).where(
        Ticket.show_id == show_id,
        Ticket.status == "issued",
        Ticket.confirmed_at.is_not(None),
        Ticket.admitted_at.is_(None),
        ~select(Answer.id).where(Answer.ticket_id == Ticket.id).exists(),
        # A school group's member has only a placeholder address (group_tickets.member_contact):
        # the teacher answers for the class, so nobody could reconfirm it and it would be
        # released as silent.
        ~select(GroupMember.id).where(GroupMember.ticket_id == Ticket.id).exists(),
    )
    before = session.scalar(
        select(func.count()).select_from(Answer).where(Answer.reconfirmation_id == round_id)
    )
    session.execute(insert(Answer).from_select(["reconfirmation_id", "ticket_id"], askable))
    after = session.scalar(
        select(func.count()).select_from(Answer).where(Answer.reconfirmation_id == round_id)
    )
    mail_silent(session, round_id, "reconfirm", now, not_mailed_yet=True)
    return after - before


def mail_silent(session, round_id: int, kind: str, now: datetime, *, not_mailed_yet: bool = False) -> None:
    silent = (
        select(Answer.ticket_id, literal(kind), literal(now), literal(now), literal(0))
        .join(Ticket, Ticket.id == Answer.ticket_id)
        .where(Answer.reconfirmation_id == round_id, Answer.answer.is_(None), Ticket.status == "issued")
    )
    if not_mailed_yet:
        silent = silent.where(
            ~select(OutboxMessage.id)
            .where(
                OutboxMessage.ticket_id == Answer.ticket_id,
                OutboxMessage.kind == kind,
                OutboxMessage.created_at
                >= select(Reconfirmation.started_at).where(Reconfirmation.id == round_id).scalar_subquery(),
            )
            .exists()
        )
    session.execute(
        insert(OutboxMessage).from_select(
            ["ticket_id", "kind", "created_at", "next_attempt_at", "attempts"], silent
        )
    )


def cancel(slug: str, *, now: datetime, actor=None) -> Counts:
    """Stops the round before its deadline: nobody is released, no reminder goes out, the
    questions not yet sent are not sent (mail.worker skips them). Cancelling twice is one."""
    with transaction() as session:
        show = get_show(session, slug)
        changed = session.execute(
            update(Reconfirmation)
            .where(
                Reconfirmation.show_id == show.id,
                Reconfirmation.cancelled_at.is_(None),
                Reconfirmation.released_at.is_(None),
                Reconfirmation.deadline > now,
            )
            .values(cancelled_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        found = counts(session, show.id)
        if found is None:
            raise NotAsked()
        if not changed and found.state != "cancelled":
            raise ReconfirmationClosed()
        if changed and actor is not None:
            audit.record(
                session, actor, "reconfirmation.cancel", "show", show.slug, None, {"state": "cancelled"}, now
            )
        return found


@dataclass(frozen=True)
class Asked:
    """What a ticket's holder was asked, for the reply page."""

    answer: str | None
    deadline: datetime
    open: bool  # the answer can still be given or changed


def asked(session, ticket_id: int, now: datetime) -> Asked | None:
    row = session.execute(
        select(Answer.answer, Reconfirmation.deadline, Reconfirmation.cancelled_at)
        .join(Reconfirmation, Reconfirmation.id == Answer.reconfirmation_id)
        .where(Answer.ticket_id == ticket_id)
    ).first()
    if row is None or row.cancelled_at is not None:
        return None
    return Asked(row.answer, row.deadline, now <= row.deadline and row.answer in (None, COMING))


def reply(token: str, answer: str, *, now: datetime) -> str:
    """The holder's "I'm coming" or "I can't come"; returns the answer that stands. The same
    reply twice is answered alike; "can't come" after "coming" (before the deadline) cancels."""
    if answer not in REPLIES:
        raise InvalidInput({"answer": "invalid_choice"})
    with transaction() as session:
        ticket = ticket_by_token(session, token)
        row = session.execute(
            select(
                Answer.id,
                Answer.answer,
                Answer.reconfirmation_id.label("round_id"),
                Reconfirmation.deadline,
                Reconfirmation.cancelled_at,
            )
            .join(Reconfirmation, Reconfirmation.id == Answer.reconfirmation_id)
            .where(Answer.ticket_id == ticket.id)
        ).first()
        if row is None or row.cancelled_at is not None:
            raise NotAsked()
        if row.answer == answer:
            return answer
        if now > row.deadline:
            raise ReconfirmationClosed()
        # "coming" only from silence (the guard against the release); "can't come" also after "coming".
        silent_or = (
            Answer.answer.is_(None)
            if answer == COMING
            else Answer.answer.is_(None) | (Answer.answer == COMING)
        )
        changed = session.execute(
            update(Answer)
            .where(Answer.id == row.id, silent_or)
            .values(answer=answer, answered_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            # Someone else changed the row first: the release at the deadline, or the same
            # holder's other click.
            standing = session.scalar(select(Answer.answer).where(Answer.id == row.id))
            if standing == answer:
                return answer
            raise ReconfirmationClosed()
        if answer == DECLINED:
            try:
                done = cancel_in(session, ticket.id, now=now)
            except (AlreadyCancelled, TicketUsed):
                raise ReconfirmationClosed() from None
            count_promoted(session, row.round_id, len(done.promoted))
        return answer


def count_promoted(session, round_id: int, promoted: int) -> None:
    if promoted:
        session.execute(
            update(Reconfirmation)
            .where(Reconfirmation.id == round_id)
            .values(promoted=Reconfirmation.promoted + promoted)
            .execution_options(synchronize_session=False)
        )


def counts(session, show_id: int) -> Counts | None:
    """The round's live numbers, counted by the database in one statement."""
    found = _round(session, show_id)
    return None if found is None else _counts_of(session, found)


def _counts_of(session, found: Reconfirmation) -> Counts:
    issued = and_(Answer.answer.is_(None), Ticket.status == "issued")

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count(Answer.id),
            count(Answer.answer == COMING),
            count(Answer.answer == DECLINED),
            count(issued),
            count(Answer.answer == RELEASED),
        )
        .select_from(Answer)
        .join(Ticket, Ticket.id == Answer.ticket_id)
        .where(Answer.reconfirmation_id == found.id)
    ).one()
    state = "cancelled" if found.cancelled_at else "released" if found.released_at else "running"
    return Counts(
        int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), found.promoted, found.deadline, state
    )


def is_pending(session, ticket_id: int) -> bool:
    """A question or reminder still worth sending: asked, silent, the round running."""
    return (
        session.execute(
            select(Answer.id)
            .join(Reconfirmation, Reconfirmation.id == Answer.reconfirmation_id)
            .where(
                Answer.ticket_id == ticket_id,
                Answer.answer.is_(None),
                Reconfirmation.cancelled_at.is_(None),
                Reconfirmation.released_at.is_(None),
            )
        ).first()
        is not None
    )


def mail_context(session, kind: str, ticket_id: int) -> dict:
    """What a reconfirmation e-mail says besides the ticket: the deadline and whether it is the
    reminder (the links are the ticket's own: /t/<token>/reconfirm)."""
    if kind not in ("reconfirm", "reminder", "released"):
        return {}
    deadline = session.scalar(
        select(Reconfirmation.deadline)
        .join(Answer, Answer.reconfirmation_id == Reconfirmation.id)
        .where(Answer.ticket_id == ticket_id)
    )
    return {"deadline": deadline, "reminder": kind == "reminder"}
