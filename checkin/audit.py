"""The audit log: organiser actions appended in the same transaction as the change they record.

Append-only: this module only inserts and reads; nothing in the application updates or deletes
an entry. Scans are their own log (the scans table); `list_activity` shows both together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from .models import AuditEntry, Scan, Show, Staff, Ticket

SCAN_ACTION = "scan"


def record(
    session,
    actor,
    action: str,
    object_type: str,
    object_id,
    before: dict | None,
    after: dict | None,
    now: datetime,
) -> AuditEntry:
    """Adds an entry to the caller's open transaction, so the change and its record commit
    or roll back together."""
    entry = AuditEntry(
        **_entry(getattr(actor, "id", None), action, object_type, object_id, before, after, now)
    )
    session.add(entry)
    return entry


def record_on(
    connection,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id,
    before: dict | None,
    after: dict | None,
    now: datetime,
) -> None:
    """record() for a change made with Core statements on a connection (the gate's writes,
    database.group_write, which may run them in another thread: hence the actor's id, read
    beforehand, not the actor's object). The entry joins that connection's transaction."""
    connection.execute(
        insert(AuditEntry), _entry(actor_id, action, object_type, object_id, before, after, now)
    )


def _entry(
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id,
    before: dict | None,
    after: dict | None,
    now: datetime,
) -> dict:
    return dict(
        at=now,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_plain(before),
        after=_plain(after),
    )


def _plain(values: dict | None) -> dict | None:
    """JSON-safe values: datetimes as ISO text (naive UTC, as stored)."""
    if values is None:
        return None
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in values.items()}


@dataclass(frozen=True)
class Activity:
    """One line of the combined log: an organiser action or a scan."""

    at: datetime
    actor: str | None
    action: str
    object_type: str
    object_id: str | None
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class ActivityFilter:
    actor_id: int | None = None
    action: str | None = None  # an audit action, or "scan" for every scan
    day_start: datetime | None = None  # naive UTC bounds of one festival-local day
    day_end: datetime | None = None


def day_bounds(day: date, to_utc) -> tuple[datetime, datetime]:
    start = to_utc(datetime.combine(day, datetime.min.time()))
    return start, start + timedelta(days=1)


def list_activity(session, filters: ActivityFilter, limit: int = 200) -> list[Activity]:
    """The newest entries of both logs, merged by time."""
    lines: list[Activity] = []
    if filters.action in (None, SCAN_ACTION) or filters.action.startswith(SCAN_ACTION + ":"):
        lines += _scan_lines(session, filters, limit)
    if filters.action is None or not filters.action.startswith(SCAN_ACTION):
        lines += _audit_lines(session, filters, limit)
    lines.sort(key=lambda line: line.at, reverse=True)
    return lines[:limit]


def _audit_lines(session, filters: ActivityFilter, limit: int) -> list[Activity]:
    query = select(AuditEntry, Staff.name).outerjoin(Staff, Staff.id == AuditEntry.actor_id)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.day_start is not None:
        query = query.where(AuditEntry.at >= filters.day_start, AuditEntry.at < filters.day_end)
    rows = session.execute(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    return [
        Activity(entry.at, name, entry.action, entry.object_type, entry.object_id, entry.before, entry.after)
        for entry, name in rows
    ]


def _scan_lines(session, filters: ActivityFilter, limit: int) -> list[Activity]:
    query = (
        select(Scan, Staff.name, Ticket.code, Show.slug)
        .outerjoin(Staff, Staff.id == Scan.staff_id)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .outerjoin(Show, Show.id == Scan.show_id)
    )
    if filters.actor_id is not None:
        query = query.where(Scan.staff_id == filters.actor_id)
    if filters.action and filters.action.startswith(SCAN_ACTION + ":"):
        query = query.where(Scan.result == filters.action.partition(":")[2])
    if filters.day_start is not None:
        query = query.where(Scan.recorded_at >= filters.day_start, Scan.recorded_at < filters.day_end)
    rows = session.execute(query.order_by(Scan.recorded_at.desc(), Scan.id.desc()).limit(limit))
    return [
        Activity(
            scan.recorded_at,
            name,
            f"{SCAN_ACTION}:{scan.result}",
            "ticket",
            code,
            None,
            {
                "show": slug,
                "gate": scan.gate,
                "direction": scan.direction,
                "method": scan.method,
                "device": scan.device,
                "reason": scan.reason,
                "scanned_at": scan.scanned_at.isoformat(),
            },
        )
        for scan, name, code, slug in rows
    ]
