"""The delivery worker: a pass sends what is due; the loop repeats passes until told to stop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .. import holder_messages, outbox, reconfirmation, ticket_qr, tickets
from ..extensions import db
from ..models import OutboxMessage
from ..waitlist import position
from .compose import Deployment, Render, compose
from .delivery import TRANSIENT_ERRORS

log = logging.getLogger("checkin.mail")
BATCH = 50


@dataclass
class PassReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.skipped


def _obsolete(session, message: OutboxMessage, now: datetime) -> str | None:
    """Why a message is not worth sending, or None."""
    ticket = message.ticket
    if ticket.erased_at is not None:
        return "not sent: the ticket's personal data was erased"
    if ticket.status == "cancelled" and message.kind not in ("cancelled", "released"):
        return "not sent: the ticket was cancelled first"
    if message.kind in ("reconfirm", "reminder") and not reconfirmation.is_pending(session, ticket.id):
        return "not sent: answered, or the reconfirmation was cancelled or is over"
    if message.kind == "notice" and outbox.notice_sent_since(
        session, ticket.id, now - outbox.NOTICE_INTERVAL
    ):
        return "not sent: a notice went to this address within the hour"
    return None


def _extra(session, message: OutboxMessage) -> dict:
    """What a message's own template needs besides the ticket."""
    if message.kind == "message":
        return holder_messages.mail_context(session, message.id, message.ticket.locale or "vi")
    return reconfirmation.mail_context(session, message.kind, message.ticket.id)


def _qr_images(session, message: OutboxMessage, deployment: Deployment) -> tickets.QrImages | None:
    """An issued ticket's QR images, drawn and kept here, after the commit that issued it and
    before its link goes out (even in the "confirm" message, which carries the link alone): the
    ticket page and its images, opened from that link, then only read them (issue 20)."""
    ticket = message.ticket
    if ticket.status != "issued":
        return None
    return ticket_qr.images(session, ticket.id, tickets.sign_payload(ticket.code, deployment.keyring))


def deliver_due(
    *, transport, deployment: Deployment, render: Render, clock: Callable[[], datetime], batch: int = BATCH
) -> PassReport:
    """One pass over the messages due now. Each is claimed first, so that workers running side
    by side never send one twice; a failure is recorded and retried later, never lost."""
    report = PassReport()
    session = db.session()
    ids = outbox.due_ids(session, clock(), batch)
    session.commit()
    for message_id in ids:
        claim = outbox.claim(message_id, clock())
        if claim is None:
            continue
        session.expire_all()
        message = session.get_one(OutboxMessage, message_id)
        reason = _obsolete(session, message, clock())
        if reason:
            session.commit()
            outbox.mark_sent(claim, clock(), note=reason)
            report.skipped += 1
            continue
        name = f"{message.created_at:%Y%m%dT%H%M%S}-{message.id:06d}-{message.kind}"
        try:
            qr = _qr_images(session, message, deployment)
            email = compose(
                message.id,
                message.kind,
                message.ticket,
                deployment=deployment,
                render=render,
                position=position(session, message.ticket),
                now=clock(),
                extra=_extra(session, message),
                qr_png=qr.png if qr else None,
            )
            session.commit()
            transport.send(email, name)
        except Exception as error:  # noqa: BLE001 - whatever went wrong, the message waits for a retry
            session.rollback()
            retry_at = outbox.mark_failed(claim, clock(), f"{type(error).__name__}: {error}")
            if isinstance(error, TRANSIENT_ERRORS):
                log.warning(
                    "outbox %s: attempt %s failed (%s); next at %s",
                    message_id,
                    claim.attempts,
                    type(error).__name__,
                    retry_at,
                )
            else:
                log.exception("outbox %s: could not compose or send; next at %s", message_id, retry_at)
            report.failed += 1
        else:
            outbox.mark_sent(claim, clock())
            report.sent += 1
    return report


def run(deliver_pass: Callable[[], PassReport], *, interval: float, stop: threading.Event) -> int:
    """Passes until `stop` is set; sleeps `interval` seconds (at most) when nothing was due.
    Returns the number of passes made."""
    passes = 0
    while not stop.is_set():
        try:
            report = deliver_pass()
        except Exception:  # noqa: BLE001 - e.g. the database restarting: the next pass retries
            log.exception("mail worker: a pass failed; trying again in %ss", interval)
            report = PassReport()
        passes += 1
        if report.handled < BATCH:
            stop.wait(interval)
    return passes
