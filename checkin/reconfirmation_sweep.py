"""The worker's side of reconfirmation: the reminder when it is due, and at the deadline the
release of every ticket still silent, its seat going to the waitlist.

Split from checkin/reconfirmation.py (the round, the questions and the holder's reply), whose
guard this shares: a silent answer row leaves NULL by one conditional UPDATE, so a ticket
reconfirmed in the deadline's very second is never released.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from .cancellation import cancel_in
from .database import transaction
from .errors import AlreadyCancelled, TicketUsed
from .models import Reconfirmation
from .reconfirmation import RELEASED, VOID, Answer, count_promoted, mail_silent

RELEASE_BATCH = 100


def sweep(now: datetime) -> dict:
    """The worker's pass: reminders that are due, and the silent released after each deadline.
    Safe to run in several workers at once and again: every change is conditional."""
    with transaction() as session:
        rounds = session.execute(
            select(
                Reconfirmation.id,
                Reconfirmation.show_id,
                Reconfirmation.deadline,
                Reconfirmation.remind_at,
                Reconfirmation.reminded_at,
            ).where(Reconfirmation.cancelled_at.is_(None), Reconfirmation.released_at.is_(None))
        ).all()
    done = {"reminded": 0, "released": 0}
    for found in rounds:
        if found.deadline <= now:
            done["released"] += release_due(found.id, now)
        elif found.remind_at is not None and found.remind_at <= now and found.reminded_at is None:
            done["reminded"] += _remind(found.id, now)
    return done


def _remind(round_id: int, now: datetime) -> int:
    with transaction() as session:
        claimed = session.execute(
            update(Reconfirmation)
            .where(
                Reconfirmation.id == round_id,
                Reconfirmation.reminded_at.is_(None),
                Reconfirmation.cancelled_at.is_(None),
                Reconfirmation.deadline > now,
            )
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            return 0
        mail_silent(session, round_id, "reminder", now)
        return 1


def _silent(session, round_id: int, limit: int):
    return session.execute(
        select(Answer.id, Answer.ticket_id)
        .where(Answer.reconfirmation_id == round_id, Answer.answer.is_(None))
        .order_by(Answer.id)
        .limit(limit)
    ).all()


def release_due(round_id: int, now: datetime) -> int:
    """Releases the round's silent tickets (its deadline has passed); returns how many. The
    silent rows are read before each write transaction (the lock is held only to write), so a
    row read silent may be answered meanwhile: its conditional UPDATE then changes nothing."""
    released = 0
    while True:
        with transaction() as session:
            batch = _silent(session, round_id, RELEASE_BATCH)
        if not batch:
            break
        with transaction() as session:
            open_round = session.scalar(
                select(Reconfirmation.id)
                .where(
                    Reconfirmation.id == round_id,
                    Reconfirmation.cancelled_at.is_(None),
                    Reconfirmation.deadline <= now,
                )
                .with_for_update()
            )
            if open_round is None:
                return released
            promoted = 0
            for answer_id, ticket_id in batch:
                if not _take_silent(session, answer_id, RELEASED, now):
                    continue  # answered in the deadline's second, or released by another worker
                try:
                    done = cancel_in(session, ticket_id, now=now, mail_kind="released")
                except (AlreadyCancelled, TicketUsed):
                    session.execute(
                        update(Answer)
                        .where(Answer.id == answer_id)
                        .values(answer=VOID)
                        .execution_options(synchronize_session=False)
                    )
                    continue
                released += 1
                promoted += len(done.promoted)
            count_promoted(session, round_id, promoted)
    with transaction() as session:
        session.execute(
            update(Reconfirmation)
            .where(
                Reconfirmation.id == round_id,
                Reconfirmation.released_at.is_(None),
                Reconfirmation.cancelled_at.is_(None),
            )
            .values(released_at=now)
            .execution_options(synchronize_session=False)
        )
    return released


def _take_silent(session, answer_id: int, answer: str, now: datetime) -> bool:
    """The guard: the row leaves silence once, whoever asks first."""
    return (
        session.execute(
            update(Answer)
            .where(Answer.id == answer_id, Answer.answer.is_(None))
            .values(answer=answer, answered_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
