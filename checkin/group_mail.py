"""Mail to a school group's teacher (issue 19): the group's links in one message (the group
page, the printable tickets, each pupil's consent link still waiting, and the tickets issued so
far attached as one PDF), sent when the teacher asks; and one reminder of missing consents before the roster deadline. Written in the asking
transaction, delivered by the worker: each message is claimed by a conditional UPDATE, so
workers side by side never send one twice, and a failure is retried, never lost."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from .database import transaction
from .group_models import GroupMember, GroupMessage, GroupSettings, SchoolGroup
from .group_pdf import group_pdf
from .mail.compose import Deployment, _sender
from .models import Show
from .outbox import retry_delay, take_lease
from .school_groups import group_by_token

log = logging.getLogger(__name__)
REMIND_BEFORE = timedelta(days=2)


def send_links(group_token: str, *, now: datetime) -> None:
    with transaction() as session:
        group = group_by_token(session, group_token)
        session.add(GroupMessage.due_now(group.id, "links", now))


def queue_reminders(now: datetime) -> int:
    """One reminder for each held group still missing a consent, once its show's roster
    deadline is less than REMIND_BEFORE away."""
    missing = exists().where(
        GroupMember.group_id == SchoolGroup.id, GroupMember.kind == "pupil", GroupMember.consent_way.is_(None)
    )
    reminded = exists().where(GroupMessage.group_id == SchoolGroup.id, GroupMessage.kind == "reminder")
    with transaction() as session:
        ids = session.scalars(
            select(SchoolGroup.id)
            .join(GroupSettings, GroupSettings.show_id == SchoolGroup.show_id)
            .where(
                SchoolGroup.state == "held",
                GroupSettings.roster_deadline > now,
                GroupSettings.roster_deadline <= now + REMIND_BEFORE,
                missing,
                ~reminded,
            )
        ).all()
    queued = 0
    for group_id in ids:
        try:
            with transaction() as session:
                session.add(GroupMessage.due_now(group_id, "reminder", now))
            queued += 1
        except IntegrityError:
            pass  # another worker queued it (uq_group_reminder)
    return queued


def _compose(
    message: GroupMessage, group: SchoolGroup, session, deployment: Deployment, render: Callable[..., str]
) -> EmailMessage:
    show = session.get(Show, group.show_id)
    origin = deployment.public_url.rstrip("/")
    waiting = session.execute(
        select(GroupMember.name, GroupMember.consent_token)
        .where(
            GroupMember.group_id == group.id, GroupMember.kind == "pupil", GroupMember.consent_way.is_(None)
        )
        .order_by(GroupMember.position)
    ).all()
    context = dict(
        group=group,
        show=show,
        kind=message.kind,
        group_url=f"{origin}/g/{group.token}",
        tickets_url=f"{origin}/g/{group.token}/tickets",
        waiting=[(name, f"{origin}/c/{token}") for name, token in waiting if token],
    )
    email = EmailMessage()
    email["From"] = _sender(deployment.sender)
    email["To"] = group.teacher_email
    email["Subject"] = render("email/group_subject.txt", "vi", **context).strip()
    email["Message-ID"] = make_msgid(idstring=f"group-{message.id}")
    pdf, attached = None, 0
    if message.kind == "links":
        caption = render("email/group_pass_caption.txt", "vi").strip()
        pdf, attached = group_pdf(session, group, deployment.keyring, pass_caption=caption)
    email.set_content(render("email/group_links.txt", "vi", attached=attached, **context))
    if attached:
        # All the group's tickets in one file, as the group page's download.
        email.add_attachment(pdf, maintype="application", subtype="pdf", filename="tickets.pdf")
    return email


def deliver_due(*, transport, deployment: Deployment, render: Callable[..., str], now: datetime) -> int:
    with transaction() as session:
        ids = session.scalars(
            select(GroupMessage.id).where(GroupMessage.sent_at.is_(None), GroupMessage.next_attempt_at <= now)
        ).all()
    if ids:
        # The links' PDF is signed: a deployment's first key is made (a write) before a
        # message's transaction holds SQLite's one write lock.
        _ = deployment.keyring.current
    sent = 0
    for message_id in ids:
        with transaction() as session:
            claimed = take_lease(session, GroupMessage, message_id, now)
        if not claimed:
            continue
        with transaction() as session:
            message = session.get(GroupMessage, message_id)
            group = session.get(SchoolGroup, message.group_id)
            try:
                if group.state == "cancelled" or group.erased_at is not None:
                    message.sent_at, message.last_error = now, "not sent: the group is gone"
                    continue
                transport.send(
                    _compose(message, group, session, deployment, render),
                    f"{message.created_at:%Y%m%dT%H%M%S}-group-{message.id:06d}-{message.kind}",
                )
            except Exception as error:  # noqa: BLE001 - whatever went wrong, the message waits for a retry
                log.warning(
                    "group outbox %s: attempt %s failed (%s)",
                    message_id,
                    message.attempts,
                    type(error).__name__,
                )
                message.last_error = f"{type(error).__name__}"[:500]
                message.next_attempt_at = now + retry_delay(message.attempts)
            else:
                message.sent_at = now
                sent += 1
    return sent
