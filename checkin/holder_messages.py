"""Messages to a show's ticket holders: written in both languages, sent to each person once, in
their language, through the outbox, a batch per transaction.

Each recipient is a row unique per (message, ticket) written in the same transaction as its
outbox row, so a batch run twice (two workers, a retry) queues nobody twice; the message itself
is unique per form (its one-time key), so a double click makes one message.

People in the standby line gave a name and a phone, no e-mail: a message to "standby" (or "all")
reaches them on their pass page (the page they keep for its QR code), in the language they read
it in, once per message however often the page is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from . import audit
from .database import transaction
from .errors import InvalidInput
from .models import HolderMessage, HolderMessageRecipient, OutboxMessage, Ticket
from .outbox import enqueue
from .shows import get_show

# Audience -> the ticket statuses its e-mails go to; STANDBY_AUDIENCES are also on standby passes.
AUDIENCES = {
    "issued": ("issued",),
    "waitlisted": ("waitlisted",),
    "standby": (),
    "all": ("issued", "waitlisted"),
}
STANDBY_AUDIENCES = ("standby", "all")
BATCH = 200
Recipient = HolderMessageRecipient


def create(
    slug: str,
    *,
    audience: str,
    subject_vi: str,
    subject_en: str,
    body_vi: str,
    body_en: str,
    request_key: str,
    now: datetime,
    actor=None,
) -> int:
    """The message, audit-logged; its id (the same id for the same form sent again)."""
    errors = {}
    if audience not in AUDIENCES:
        errors["audience"] = "invalid_choice"
    for name, value, limit in (
        ("subject_vi", subject_vi, 200),
        ("subject_en", subject_en, 200),
        ("body_vi", body_vi, 5000),
        ("body_en", body_en, 5000),
    ):
        if not (value or "").strip():
            errors[name] = "required"
        elif len(value) > limit:
            errors[name] = "too_long"
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction() as session:
            show = get_show(session, slug)
            message = HolderMessage(
                show_id=show.id,
                audience=audience,
                subject_vi=subject_vi.strip(),
                subject_en=subject_en.strip(),
                body_vi=body_vi.strip(),
                body_en=body_en.strip(),
                request_key=request_key,
                created_at=now,
                created_by_id=getattr(actor, "id", None),
            )
            session.add(message)
            session.flush()
            audit.record(
                session,
                actor,
                "message.send",
                "show",
                show.slug,
                None,
                {"message": message.id, "audience": audience, "subject": subject_vi.strip()[:80]},
                now,
            )
            return message.id
    except IntegrityError:
        with transaction() as session:
            return session.scalar(select(HolderMessage.id).where(HolderMessage.request_key == request_key))


def queue_batch(message_id: int, now: datetime, *, batch: int = BATCH) -> int:
    """Queues the next batch of the message's e-mails; returns how many (0: all are queued)."""
    with transaction() as session:
        message = session.get(HolderMessage, message_id)
        if message is None or message.queued_at is not None:
            return 0
        already = select(Recipient.id).where(
            Recipient.message_id == message_id, Recipient.ticket_id == Ticket.id
        )
        ticket_ids = session.scalars(
            select(Ticket.id)
            .where(
                Ticket.show_id == message.show_id,
                Ticket.status.in_(AUDIENCES[message.audience]),
                Ticket.confirmed_at.is_not(None),
                Ticket.erased_at.is_(None),
                ~already.exists(),
            )
            .order_by(Ticket.id)
            .limit(batch)
        ).all()
        if not ticket_ids:
            session.execute(
                update(HolderMessage)
                .where(HolderMessage.id == message_id, HolderMessage.queued_at.is_(None))
                .values(queued_at=now)
                .execution_options(synchronize_session=False)
            )
            return 0
        for ticket_id in ticket_ids:
            outbox_id = enqueue(session, ticket_id, "message", now)
            session.add(Recipient(message_id=message_id, ticket_id=ticket_id, outbox_id=outbox_id))
        session.flush()  # a recipient queued meanwhile by another worker fails the whole batch: retried next pass
        return len(ticket_ids)


def queue_due(now: datetime) -> int:
    """The worker's pass: one batch of each message still being queued."""
    with transaction() as session:
        ids = session.scalars(select(HolderMessage.id).where(HolderMessage.queued_at.is_(None))).all()
    queued = 0
    for message_id in ids:
        try:
            queued += queue_batch(message_id, now)
        except IntegrityError:
            continue
    return queued


@dataclass(frozen=True)
class Progress:
    id: int
    subject: str
    audience: str
    created_at: datetime
    queued: int
    sent: int
    failed: int
    done: bool


def progress(session, show_id: int) -> list[Progress]:
    """Each message of the show: queued, sent, failed (an attempt failed and it is not sent yet)."""
    sent = func.count(OutboxMessage.sent_at)
    failed = func.count(OutboxMessage.id).filter(
        and_(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
    )
    rows = session.execute(
        select(
            HolderMessage.id,
            HolderMessage.subject_vi,
            HolderMessage.audience,
            HolderMessage.created_at,
            HolderMessage.queued_at,
            func.count(Recipient.id),
            sent,
            failed,
        )
        .outerjoin(Recipient, Recipient.message_id == HolderMessage.id)
        .outerjoin(OutboxMessage, OutboxMessage.id == Recipient.outbox_id)
        .where(HolderMessage.show_id == show_id)
        .group_by(HolderMessage.id)
        .order_by(HolderMessage.id.desc())
    ).all()
    return [Progress(r[0], r[1], r[2], r[3], int(r[5]), int(r[6]), int(r[7]), r[4] is not None) for r in rows]


def mail_context(session, outbox_id: int, locale: str) -> dict:
    message = session.scalar(
        select(HolderMessage)
        .join(Recipient, Recipient.message_id == HolderMessage.id)
        .where(Recipient.outbox_id == outbox_id)
    )
    if message is None:
        return {}
    english = locale == "en"
    return {
        "message_subject": message.subject_en if english else message.subject_vi,
        "message_body": message.body_en if english else message.body_vi,
    }


@dataclass(frozen=True)
class Shown:
    created_at: datetime
    subject: str
    body: str


def for_standby(session, show_id: int, locale: str) -> list[Shown]:
    """The show's messages to its standby line, newest first, in `locale` (vi or en)."""
    english = locale == "en"
    rows = session.scalars(
        select(HolderMessage)
        .where(HolderMessage.show_id == show_id, HolderMessage.audience.in_(STANDBY_AUDIENCES))
        .order_by(HolderMessage.id.desc())
    ).all()
    return [
        Shown(m.created_at, m.subject_en if english else m.subject_vi, m.body_en if english else m.body_vi)
        for m in rows
    ]
