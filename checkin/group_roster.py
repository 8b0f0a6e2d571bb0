"""A school group's roster and each pupil's guardian consent (issue 19).

Rows are checked all together and written all together: a bad row is answered by its number,
its field and why, and nothing of the upload is kept. Every pupil needs a recorded guardian
consent before a ticket (Law 91/2025/QH15 for those under 16; the schools ask it of every
pupil), given one of two ways: online by the guardian from the pupil's own consent link, or by
the teacher attesting the school holds the signed paper form. Either way the record names its
way, its time, the notice version and who gave it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from . import tickets
from .database import transaction
from .errors import Conflict, DomainError, InvalidInput, NotFound
from .group_models import GroupMember, SchoolGroup
from .models import Ticket
from .personal_data import OLDEST_BIRTH_YEAR, PRIVACY_NOTICE_VERSION, normalize_name
from .school_groups import group_by_token, new_token

ROSTER_MAX_ROWS = 200
_NAME_HEADERS = {"name", "ho va ten", "họ và tên", "họ tên", "ten", "tên"}
_YEAR_HEADERS = {"birth_year", "năm sinh", "nam sinh", "year"}


class RosterInvalid(DomainError):
    """Bad rows: [(row number, field, error code)], rows counted from 1 as the teacher sees
    them in the file (the header is row 1 when there is one)."""

    code = "invalid_roster"

    def __init__(self, rows: list[tuple[int, str, str]]):
        super().__init__("; ".join(f"{r}:{f}:{c}" for r, f, c in rows))
        self.rows = rows


def read_csv(data: bytes) -> list[tuple[int, dict]]:
    """(row number, {"name", "birth_year"}) from a class list in CSV: UTF-8 (with or without
    the BOM Excel writes), comma or semicolon, an optional header row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterInvalid([(0, "file", "not_utf8")]) from None
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    start = 1
    if rows and rows[0] and rows[0][0].strip().lower() in _NAME_HEADERS | _YEAR_HEADERS:
        start = 2
        rows = rows[1:]
    out = []
    for number, row in enumerate(rows, start=start):
        if not any(cell.strip() for cell in row):
            continue
        out.append((number, {"name": row[0] if row else "", "birth_year": row[1] if len(row) > 1 else ""}))
    return out


def _rows_to_pupils(rows, start: int = 1) -> list[tuple[int, dict]]:
    """(row number, values) of the class list's non-empty rows, a header row skipped."""
    out = []
    for number, row in enumerate(rows, start=start):
        cells = [
            ""
            if cell is None
            else str(cell)
            if not isinstance(cell, float) or not cell.is_integer()
            else str(int(cell))
            for cell in row
        ]
        if not any(cell.strip() for cell in cells):
            continue
        if number == start and cells[0].strip().lower() in _NAME_HEADERS | _YEAR_HEADERS:
            continue
        out.append(
            (number, {"name": cells[0] if cells else "", "birth_year": cells[1] if len(cells) > 1 else ""})
        )
        if len(out) > ROSTER_MAX_ROWS:
            break
    return out


def read_class_list(data: bytes) -> list[tuple[int, dict]]:
    """A class list as the school keeps it: Excel (.xlsx, the first sheet) or CSV."""
    if data[:2] == b"PK":  # a zip: the .xlsx container
        return read_xlsx(data)
    return read_csv(data)


def read_xlsx(data: bytes) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file is the same answer to the teacher
        raise RosterInvalid([(0, "file", "not_a_spreadsheet")]) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(max_col=2, max_row=ROSTER_MAX_ROWS + 2, values_only=True)
        return _rows_to_pupils(rows)
    finally:
        workbook.close()


def _pupil(number: int, values: dict, now: datetime, bad: list) -> dict | None:
    errors: dict[str, str] = {}
    name = normalize_name(values.get("name"), "name", errors)
    raw = values.get("birth_year")
    year = None
    if isinstance(raw, str) and raw.strip().isdecimal() and len(raw.strip()) == 4:
        year = int(raw.strip())
    elif isinstance(raw, int) and not isinstance(raw, bool):
        year = raw
    if year is None:
        errors["birth_year"] = "required" if raw in (None, "") else "invalid_birth_year"
    elif not OLDEST_BIRTH_YEAR <= year <= now.year:
        errors["birth_year"] = "invalid_birth_year"
    bad.extend((number, field, code) for field, code in errors.items())
    return None if errors else {"name": name, "birth_year": year}


def add_members(
    group_token: str, pupils: list[tuple[int, dict]], adults: list[tuple[int, str]], *, now: datetime
) -> int:
    """Adds pupils (row number, {name, birth_year}) and adults (row number, name) to the roster,
    all or none; RosterInvalid names every bad row. Returns how many were added."""
    bad: list[tuple[int, str, str]] = []
    if len(pupils) + len(adults) > ROSTER_MAX_ROWS:
        raise RosterInvalid([(ROSTER_MAX_ROWS + 1, "file", "too_many_rows")])
    good_pupils = [p for n, v in pupils if (p := _pupil(n, v, now, bad)) is not None]
    good_adults = []
    for number, raw in adults:
        errors: dict[str, str] = {}
        name = normalize_name(raw, "name", errors)
        bad.extend((number, "name", code) for code in errors.values())
        if name:
            good_adults.append(name)
    with transaction() as session:
        group = group_by_token(session, group_token)
        session.refresh(group, with_for_update=True)
        counts = dict(
            session.execute(
                select(GroupMember.kind, func.count())
                .where(GroupMember.group_id == group.id)
                .group_by(GroupMember.kind)
            ).all()
        )
        for kind, incoming, allowed in (("pupil", pupils, group.pupils), ("adult", adults, group.adults)):
            room = allowed - counts.get(kind, 0)
            if len(incoming) > room:
                # The first row past the group's size is the one to answer for.
                bad.append((incoming[max(room, 0)][0], "name", f"too_many_{kind}s"))
        if bad:
            raise RosterInvalid(sorted(set(bad)))
        position = session.scalar(
            select(func.coalesce(func.max(GroupMember.position), 0)).where(GroupMember.group_id == group.id)
        )
        for pupil in good_pupils:
            position += 1
            session.add(
                GroupMember(
                    group_id=group.id, kind="pupil", position=position, consent_token=new_token(), **pupil
                )
            )
        for name in good_adults:
            position += 1
            session.add(GroupMember(group_id=group.id, kind="adult", position=position, name=name))
        return len(good_pupils) + len(good_adults)


def remove_member(group_token: str, member_id: int) -> None:
    with transaction() as session:
        group = group_by_token(session, group_token)
        member = session.get(GroupMember, member_id)
        if member is None or member.group_id != group.id:
            raise NotFound()
        # A member whose ticket was cancelled may make room for another (their place stayed
        # with the group); a valid ticket stays on the roster.
        if member.ticket_id is not None and session.get(Ticket, member.ticket_id).status != "cancelled":
            raise Conflict("ticketed")
        session.delete(member)


@dataclass(frozen=True)
class ConsentRequest:
    """What a consent link shows: one pupil's first name and the show, nothing of the group."""

    member_id: int
    pupil_name: str
    show_id: int
    given: bool


def _member_by_consent_token(session, token: str) -> GroupMember:
    if not tickets.could_be_link_token(token):
        raise NotFound()
    member = session.scalar(select(GroupMember).where(GroupMember.consent_token == token))
    if member is None:
        raise NotFound()
    return member


def consent_request(session, token: str) -> ConsentRequest:
    member = _member_by_consent_token(session, token)
    group = session.get(SchoolGroup, member.group_id)
    if group.state == "cancelled":
        raise NotFound()
    return ConsentRequest(member.id, member.name, group.show_id, member.consent_way is not None)


def _record(session, member_id: int, way: str, by: str, now: datetime) -> bool:
    """The consent, once: a conditional UPDATE, so two guardians at once record one."""
    return (
        session.execute(
            update(GroupMember)
            .where(GroupMember.id == member_id, GroupMember.consent_way.is_(None))
            .values(
                consent_way=way, consent_at=now, consent_notice_version=PRIVACY_NOTICE_VERSION, consent_by=by
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def give_online_consent(token: str, values: dict, *, now: datetime) -> bool:
    """The guardian's consent from the pupil's link; True if this call recorded it."""
    errors: dict[str, str] = {}
    guardian = normalize_name(values.get("guardian_name"), "guardian_name", errors)
    if str(values.get("guardian_consent")).lower() not in ("y", "yes", "on", "true", "1"):
        errors["guardian_consent"] = "guardian_consent_required"
    if errors:
        raise InvalidInput(errors)
    assert guardian is not None  # normalize_name returns None only after recording its error
    with transaction() as session:
        member = _member_by_consent_token(session, token)
        if session.get(SchoolGroup, member.group_id).state == "cancelled":
            raise NotFound()
        return _record(session, member.id, "online", guardian, now)


def attest_paper(group_token: str, member_id: int, *, now: datetime) -> bool:
    """The teacher attests the school holds this pupil's signed paper form; recorded in the
    teacher's name. True if this call recorded it."""
    with transaction() as session:
        group = group_by_token(session, group_token)
        member = session.get(GroupMember, member_id)
        if member is None or member.group_id != group.id or member.kind != "pupil":
            raise NotFound()
        return _record(session, member.id, "paper", group.teacher_name, now)


def renew_consent_link(group_token: str, member_id: int) -> str:
    """Revokes a pupil's consent link (forwarded to the wrong person) and returns a new one."""
    with transaction() as session:
        group = group_by_token(session, group_token)
        member = session.get(GroupMember, member_id)
        if member is None or member.group_id != group.id or member.kind != "pupil":
            raise NotFound()
        member.consent_token = new_token()
        return member.consent_token
