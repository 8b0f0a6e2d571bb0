"""CSV exports of attendees and scans: rows straight from the filtered query, streamed, in
UTF-8 with a byte-order mark so that Excel shows Vietnamese names right."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from .admission import ALREADY_ADMITTED
from .attendees import TicketFilter, ticket_query
from .group_tickets import group_label
from .models import Scan, Show, Staff, Ticket
from .stats import TO_REVIEW

BOM = "\ufeff"
BATCH = 500
# A cell starting with one of these is a formula to a spreadsheet: a name like "=HYPERLINK(...)"
# typed into the registration form must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"^\+[0-9]{8,15}$")  # a stored phone number is data, not a formula


def _cell(value, local) -> str | int:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _E164.match(value):
        return "'" + value
    return value


def csv_lines(header: list[str], rows: Iterable[Iterable], local) -> Iterator[str]:
    """The CSV text in pieces: the BOM, the header, then a chunk every BATCH rows."""
    yield BOM
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(value, local) for value in row])
        if count % BATCH == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


ATTENDEE_HEADER = [
    "code",
    "show",
    "status",
    "name",
    "email",
    "phone",
    "birth_year",
    "guardian_name",
    "registered_at",
    "issued_at",
    "cancelled_at",
    "admitted_at",
    "admitted_gate",
    "inside",
    "school_group",
]


def attendee_rows(session, filters: TicketFilter) -> Iterator[tuple]:
    for ticket, slug, group in session.execute(ticket_query(filters).execution_options(yield_per=BATCH)):
        yield (
            ticket.code,
            slug,
            ticket.status,
            ticket.name,
            # A group member's contacts are placeholders that reach nobody: the group's stand in.
            None if group else ticket.email,
            None if group else ticket.phone,
            ticket.birth_year,
            ticket.guardian_name,
            ticket.created_at,
            ticket.issued_at,
            ticket.cancelled_at,
            ticket.admitted_at,
            ticket.admitted_gate,
            ticket.inside,
            group_label(group) if group else None,
        )


@dataclass(frozen=True)
class ScanFilter:
    show_id: int | None = None
    gate: str | None = None
    result: str | None = None
    since: datetime | None = None  # naive UTC, inclusive
    until: datetime | None = None  # naive UTC, exclusive


def scan_query(filters: ScanFilter):
    """(Scan, ticket code, show slug, staff name), newest first."""
    query = (
        select(Scan, Ticket.code, Show.slug, Staff.name)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .outerjoin(Show, Show.id == Scan.show_id)
        .outerjoin(Staff, Staff.id == Scan.staff_id)
    )
    if filters.show_id is not None:
        query = query.where(Scan.show_id == filters.show_id)
    if filters.gate:
        query = query.where(Scan.gate == filters.gate)
    if filters.result:
        query = query.where(Scan.result == filters.result)
    if filters.since is not None:
        query = query.where(Scan.recorded_at >= filters.since)
    if filters.until is not None:
        query = query.where(Scan.recorded_at < filters.until)
    return query.order_by(Scan.recorded_at.desc(), Scan.id.desc())


SCAN_HEADER = [
    "id",
    "recorded_at",
    "scanned_at",
    "show",
    "gate",
    "direction",
    "result",
    "method",
    "ticket_code",
    "staff",
    "device",
    "reason",
    "undone",
]


def scan_rows(session, filters: ScanFilter) -> Iterator[tuple]:
    for scan, code, slug, staff_name in session.execute(
        scan_query(filters).execution_options(yield_per=BATCH)
    ):
        yield (
            scan.id,
            scan.recorded_at,
            scan.scanned_at,
            slug,
            scan.gate,
            scan.direction,
            scan.result,
            scan.method,
            code,
            staff_name,
            scan.device,
            scan.reason,
            scan.undone_by_scan_id is not None,
        )


def conflict_query(show_id: int):
    """A show's conflicts, newest scan time first, each with the admission that stands instead:
    (conflict Scan, ticket code, ticket name, its volunteer, standing Scan or None, its
    volunteer). Newest first by device time is the order of ix_scans_show_result_scanned, so a
    page reads one range of that index."""
    standing, volunteer, standing_volunteer = aliased(Scan), aliased(Staff), aliased(Staff)
    return (
        select(Scan, Ticket.code, Ticket.name, volunteer.name, standing, standing_volunteer.name)
        .outerjoin(Ticket, Ticket.id == Scan.ticket_id)
        .outerjoin(volunteer, volunteer.id == Scan.staff_id)
        .outerjoin(standing, standing.id == Scan.conflict_with_scan_id)
        .outerjoin(standing_volunteer, standing_volunteer.id == standing.staff_id)
        .where(Scan.show_id == show_id, *TO_REVIEW)
        .order_by(Scan.scanned_at.desc(), Scan.id.desc())
    )


CONFLICT_HEADER = [
    "id",
    "ticket_code",
    "name",
    "reason",
    "gate",
    "scanned_at",
    "recorded_at",
    "staff",
    "offline",
    "standing_scan_id",
    "standing_gate",
    "standing_scanned_at",
    "standing_staff",
]


def conflict_rows(session, show_id: int) -> Iterator[tuple]:
    for scan, code, name, staff_name, standing, standing_staff in session.execute(
        conflict_query(show_id).execution_options(yield_per=BATCH)
    ):
        yield (
            scan.id,
            code,
            name,
            conflict_reason(scan),
            scan.gate,
            scan.scanned_at,
            scan.recorded_at,
            staff_name,
            scan.offline,
            standing.id if standing else None,
            standing.gate if standing else None,
            standing.scanned_at if standing else None,
            standing_staff,
        )


def conflict_reason(scan: Scan) -> str:
    """The reason code the server gave (admission.RESULTS' refusals, or already_admitted). An
    admission displaced by an earlier one that arrived late keeps its first answer ("admitted")
    as its stored response; its pointer to the standing admission says why it is a conflict."""
    reason = (scan.response or {}).get("conflict")
    if reason:
        return reason
    return ALREADY_ADMITTED if scan.conflict_with_scan_id is not None else "unknown"
