"""The outbox: messages queued in the ticket's own transaction, claimed and settled by the mail
worker (checkin/mail/worker.py). The domain's queue: whatever changes a ticket queues its
message here; composing and delivering it is the mail package's.

A message is written in the same transaction as the change it tells about, so a ticket never
exists without its e-mail, and a rolled-back registration never sends one. Delivery happens
later, at least once: a worker claims a row with a conditional UPDATE (a lease), so two workers
never send the same message at the same time, and a failed attempt is retried with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Insert, bindparam, exists, insert, literal, select, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.orm import Session

from .database import core_connection, transaction
from .models import OutboxMessage

# What a message tells: "confirm" (just registered: the link that confirms the hold), "ticket"
# (confirmed: issued or waitlisted), "promoted" (a waitlist place became a ticket), "resend"
# (asked for again on /find), "cancelled", "notice" (someone registered again with this
# ticket's e-mail or phone).
KINDS = (
    "confirm",
    "ticket",
    "promoted",
    "resend",
    "cancelled",
    "notice",
    # a reconfirmation (checkin/reconfirmation.py): the question, its reminder, the release
    "reconfirm",
    "reminder",
    "released",
    # an organiser's message to the show's holders (checkin/holder_messages.py)
    "message",
)
# At most one notice per ticket in this time, however often its e-mail or phone is tried.
NOTICE_INTERVAL = timedelta(hours=1)
# A claimed message is not offered to another worker before this; longer than any SMTP timeout.
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


_INSERT = insert(OutboxMessage)


def enqueue_for(ticket_ids: Any, kind: str) -> Insert:
    """The INSERT that queues one message of `kind` for each ticket id a SELECT or CTE gives
    (a column named id), at the bound time ``now``: for a registration written in one statement
    on PostgreSQL (checkin/registration.py), where the ticket's row and its e-mail commit in
    the same round trip as the seat."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    now = bindparam("now", type_=OutboxMessage.__table__.c.created_at.type)
    return insert(OutboxMessage).from_select(
        ["ticket_id", "kind", "created_at", "next_attempt_at", "attempts"],
        select(ticket_ids.c.id, literal(kind), now, now, literal(0)),
    )


def enqueue(session_or_connection: Session | Connection, ticket_id: int, kind: str, now: datetime) -> int:
    """Queues a message inside the caller's transaction (one prebuilt INSERT: registrations run
    it holding the write lock); its id."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    inserted = (
        core_connection(session_or_connection)
        .execute(
            _INSERT,
            {"ticket_id": ticket_id, "kind": kind, "created_at": now, "next_attempt_at": now, "attempts": 0},
        )
        .inserted_primary_key
    )
    assert inserted is not None
    return int(inserted[0])


def resend_pending(session: Session, ticket_id: int) -> bool:
    """True if a resend for this ticket is still waiting: asking again adds nothing."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    OutboxMessage.ticket_id == ticket_id,
                    OutboxMessage.kind == "resend",
                    OutboxMessage.sent_at.is_(None),
                )
            )
        )
    )


def notice_sent_since(session: Session, ticket_id: int, since: datetime) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    OutboxMessage.ticket_id == ticket_id,
                    OutboxMessage.kind == "notice",
                    OutboxMessage.sent_at >= since,
                    OutboxMessage.last_error.is_(None),
                )
            )
        )
    )


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... at most an hour: a mail server that is down for a while is
    tried again soon after it is back, without hammering it meanwhile."""
    return min(FIRST_RETRY * (1 << max(attempts - 1, 0)), LONGEST_RETRY)


@dataclass(frozen=True)
class Claim:
    id: int
    attempts: int


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def take_lease(session: Session, queue: Any, message_id: int, now: datetime) -> bool:
    """The lease on a due message of a queue table (this outbox, or the school groups' own:
    checkin/group_mail.py), in the caller's transaction: a conditional UPDATE, so two workers
    never hold it at once; the attempt is counted. False if another worker has it or it was
    sent."""
    leased = session.execute(
        update(queue)
        .where(queue.id == message_id, queue.sent_at.is_(None), queue.next_attempt_at <= now)
        .values(attempts=queue.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return bool(cast("CursorResult[Any]", leased).rowcount == 1)


def claim(message_id: int, now: datetime) -> Claim | None:
    """Takes a lease on a due message, or None if another worker has it or it was sent."""
    with transaction() as session:
        if not take_lease(session, OutboxMessage, message_id, now):
            return None
        return Claim(
            message_id, session.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == message_id))
        )


def mark_sent(claim_: Claim, now: datetime, note: str | None = None) -> None:
    with transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == claim_.id)
            .values(sent_at=now, last_error=note)
            .execution_options(synchronize_session=False)
        )


def mark_failed(claim_: Claim, now: datetime, error: str) -> datetime:
    """Records the failure; returns when the message is tried again."""
    retry_at = now + retry_delay(claim_.attempts)
    with transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == claim_.id)
            .values(next_attempt_at=retry_at, last_error=error[:1000])
            .execution_options(synchronize_session=False)
        )
    return retry_at
