"""Erasing personal data: on schedule (the worker, `flask --app checkin purge`) and on request
(an attendee's own erasure, checkin/my_data.py).

What goes: a ticket's name, e-mail, phone, birth year and guardian's name, the name copied into
its scans' stored answers, free text that may name the person (undo reasons, the reason of an
admission by hand in the audit log), its messages' delivery errors and, when the outbox is a
folder, its .eml files. What stays: the row itself (status, times, gate, the show's counts),
its scans' times and gates, and every audit entry (scrubbed, never deleted).

The personal columns stay NOT NULL and keep the partial unique indexes of live tickets: an
erased ticket holds placeholders made from its own id ("erased-<id>"), which say nothing about
anyone and never collide.

Schedule: tickets of a show `retention_days` after it ends; cancelled tickets (and lapsed holds)
`cancelled_days` after their cancellation; waitlist places once the show has ended.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import String, and_, cast, delete, insert, literal, or_, select, update

from . import group_retention
from .database import transaction
from .models import AuditEntry, AuditUnlock, LookupRequest, OutboxMessage, Scan, Show, StandbyPass, Ticket

ERASED = "erased-"
# Free-text keys of audit entries about a ticket that may name its holder.
_AUDIT_FREE_TEXT = ("reason",)
_BATCH = 1000
# A /find request the worker never got to is not kept longer than this.
LOOKUP_MAX_AGE = timedelta(days=1)


@dataclass
class ShowPurge:
    slug: str
    tickets: int = 0
    scans: int = 0
    audit_entries: int = 0
    messages: int = 0
    files: int = 0


@dataclass
class PurgeReport:
    dry_run: bool
    shows: dict[str, ShowPurge] = field(default_factory=dict)
    lookups: int = 0
    groups: int = 0  # school groups erased (checkin/group_retention.py)
    standby: int = 0  # standby passes whose name and phone were erased

    @property
    def tickets(self) -> int:
        return sum(show.tickets for show in self.shows.values())


def purge(
    *,
    now: datetime,
    cancelled_days: int = 7,
    show_slug: str | None = None,
    dry_run: bool = False,
    outbox_folder: str | os.PathLike | None = None,
) -> PurgeReport:
    """Erases what is due, a transaction per batch of tickets; with `dry_run`, only counts."""
    report = PurgeReport(dry_run)
    cancelled_before = now - timedelta(days=cancelled_days)
    # The show's dates are compared here, not in SQL: date arithmetic on a column is written
    # differently by each database, and there are a handful of shows.
    shows_query = select(Show.id, Show.slug, Show.ends_at, Show.retention_days).order_by(Show.id)
    if show_slug is not None:
        shows_query = shows_query.where(Show.slug == show_slug)
    with transaction() as session:
        shows = session.execute(shows_query).all()
    for show in shows:
        conditions = [and_(Ticket.status == "cancelled", Ticket.cancelled_at <= cancelled_before)]
        if show.ends_at <= now:
            conditions.append(Ticket.status == "waitlisted")
        if show.ends_at + timedelta(days=show.retention_days) <= now:
            conditions.append(literal(True))
        with transaction() as session:
            ids = session.scalars(
                select(Ticket.id)
                .where(Ticket.show_id == show.id, Ticket.erased_at.is_(None), or_(*conditions))
                .order_by(Ticket.id)
            ).all()
        if not ids:
            continue
        counts = report.shows.setdefault(show.slug, ShowPurge(show.slug))
        if dry_run:
            counts.tickets = len(ids)
            continue
        message_ids: list[int] = []
        for start in range(0, len(ids), _BATCH):
            with transaction() as session:
                message_ids += _erase(session, ids[start : start + _BATCH], now, counts)
        if outbox_folder:
            counts.files = _delete_files(outbox_folder, message_ids)
    with transaction() as session:
        group_ids = group_retention.due_group_ids(
            session, now=now, cancelled_days=cancelled_days, show_slug=show_slug
        )
        report.groups = len(group_ids) if dry_run else group_retention.erase_groups(session, group_ids, now)
    with transaction() as session:
        report.standby = _erase_standby(session, now=now, show_slug=show_slug, dry_run=dry_run)
    if not dry_run:
        with transaction() as session:
            report.lookups = session.execute(
                delete(LookupRequest).where(LookupRequest.created_at <= now - LOOKUP_MAX_AGE)
            ).rowcount
    return report


def _erase_standby(session, *, now: datetime, show_slug: str | None, dry_run: bool) -> int:
    """A standby pass serves its evening alone: its name and phone go once the show has ended,
    like a waitlist place. The number, code and admission stay (the gate's counts); the link
    stops working. An erased pass has an empty name."""
    ended = select(Show.id).where(Show.ends_at <= now)
    if show_slug is not None:
        ended = ended.where(Show.slug == show_slug)
    due = and_(StandbyPass.show_id.in_(ended), StandbyPass.name != "")
    if dry_run:
        return len(session.scalars(select(StandbyPass.id).where(due)).all())
    placeholder = literal("erased-") + cast(StandbyPass.id, String(12))
    return session.execute(
        update(StandbyPass)
        .where(due)
        .values(name="", phone=placeholder, token=placeholder)
        .execution_options(synchronize_session=False)
    ).rowcount


def erase_ticket(session, ticket_id: int, now: datetime) -> list[int]:
    """One ticket's personal data, now, inside the caller's transaction (an attendee's own
    erasure); returns its messages' ids, for delete_mail_files once that transaction commits."""
    return _erase(session, [ticket_id], now, ShowPurge(""))


def _erase(session, ids: list[int], now: datetime, counts: ShowPurge) -> list[int]:
    """Returns the ids of the tickets' messages (their .eml copies go too)."""
    placeholder = literal(ERASED) + cast(Ticket.id, String(12))
    counts.tickets += session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ids), Ticket.erased_at.is_(None))
        .values(
            name="", email=placeholder, phone=placeholder, birth_year=0, guardian_name=None, erased_at=now
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    counts.scans += _scrub_scans(session, ids)
    counts.audit_entries += _scrub_audit(session, ids)
    messages = (
        session.execute(select(OutboxMessage.id).where(OutboxMessage.ticket_id.in_(ids))).scalars().all()
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.ticket_id.in_(ids), OutboxMessage.last_error.is_not(None))
        .values(last_error=None)
        .execution_options(synchronize_session=False)
    )
    counts.messages += len(messages)
    return list(messages)


def _scrub_scans(session, ids: list[int]) -> int:
    rows = session.execute(select(Scan.id, Scan.response, Scan.reason).where(Scan.ticket_id.in_(ids))).all()
    for scan_id, response, reason in rows:
        ticket = dict((response or {}).get("ticket") or {})
        values: dict[str, Any] = {}
        if ticket.get("name"):
            values["response"] = dict(response, ticket=dict(ticket, name=""))
        if reason:
            values["reason"] = None
        if values:
            session.execute(
                update(Scan)
                .where(Scan.id == scan_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    return len(rows)


def _scrub_audit(session, ids: list[int]) -> int:
    """Through the one door the append-only triggers leave open: an AuditUnlock row that lives
    only inside this transaction."""
    codes = session.scalars(select(Ticket.code).where(Ticket.id.in_(ids))).all()
    entries = session.execute(
        select(AuditEntry.id, AuditEntry.before, AuditEntry.after).where(
            AuditEntry.object_type == "ticket", AuditEntry.object_id.in_(codes)
        )
    ).all()
    changes = []
    for entry_id, before, after in entries:
        new_before, new_after = _without_free_text(before), _without_free_text(after)
        if (new_before, new_after) != (before, after):
            changes.append((entry_id, new_before, new_after))
    if changes:
        session.execute(insert(AuditUnlock).values(id=1))
        for entry_id, before, after in changes:
            session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == entry_id)
                .values(before=before, after=after)
                .execution_options(synchronize_session=False)
            )
        session.execute(delete(AuditUnlock))
    return len(changes)


def _without_free_text(values: dict | None) -> dict | None:
    if not values:
        return values
    return {
        key: ("[erased]" if key in _AUDIT_FREE_TEXT and value else value) for key, value in values.items()
    }


def delete_mail_files(folder: str | os.PathLike | None, message_ids: Iterable[int]) -> int:
    """The outbox folder's .eml copies of these messages, when the outbox is a folder."""
    return _delete_files(folder, message_ids) if folder else 0


def _delete_files(folder: str | os.PathLike, message_ids: Iterable[int]) -> int:
    """The outbox folder's .eml copies of these messages (named <time>-<id>-<kind>.eml)."""
    wanted = {f"{message_id:06d}" for message_id in message_ids}
    deleted = 0
    path = Path(folder)
    if not wanted or not path.is_dir():
        return 0
    for file in path.glob("*.eml"):
        parts = file.stem.split("-")
        if len(parts) >= 3 and parts[1] in wanted:
            file.unlink(missing_ok=True)
            deleted += 1
    return deleted
