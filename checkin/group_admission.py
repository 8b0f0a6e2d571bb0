"""A school group at the gate (issue 19): the teacher's group pass shows the group, how many are
expected and how many are already in; the volunteer admits those present in one step, by a
count or by ticking them.

Each member is admitted through their own ticket, by the same admission as any scan
(checkin/admission.py): a conditional UPDATE of the ticket (exactly once, whatever the devices)
and of the show's inside counter (the venue capacity), a log row per person, and a client scan
id made from the step's own id and the ticket's code, so a step sent again (a retry, an offline
queue) admits nobody twice and answers as the first time. A member's ticket still scans alone.

Offline, the phone finds the group in its gate list (gate_groups), admits the members on its
own and queues one item per member: the pass and the member's ticket code. Uploaded, each is
the member's own offline admission (admit_offline), joining that ticket's history like any
offline scan, so a pupil let in by the group on one phone and by their ticket on another is
admitted once and the second entry is a conflict for the organisers to review.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from . import admission
from .admission import ScanResult
from .errors import InvalidInput, NotFound
from .extensions import db
from .group_models import GroupMember, SchoolGroup
from .group_pass import verify_pass
from .models import Scan, Show, Ticket
from .tickets import parse_code


@dataclass(frozen=True)
class MemberAtGate:
    code: str
    name: str
    kind: str
    inside: bool
    admitted: bool


@dataclass(frozen=True)
class GroupAtGate:
    pass_code: str
    school: str
    class_name: str
    expected: int
    already_in: int
    members: list[MemberAtGate]


@dataclass
class GroupAdmission:
    admitted: int = 0
    results: Counter = field(default_factory=Counter)
    people: list[dict] = field(default_factory=list)


def _group(payload: str, keyring, show_slug: str) -> SchoolGroup:
    code = verify_pass(payload, keyring)
    if code is None:
        raise NotFound("invalid")
    group = db.session.scalar(select(SchoolGroup).where(SchoolGroup.pass_code == code))
    show_id = db.session.scalar(select(Show.id).where(Show.slug == show_slug))
    if group is None or group.state != "held" or group.show_id != show_id:
        raise NotFound("unknown")
    return group


def _members(group: SchoolGroup) -> list[MemberAtGate]:
    rows = db.session.execute(
        select(Ticket.code, GroupMember.name, GroupMember.kind, Ticket.inside, Ticket.admitted_at)
        .join(GroupMember, GroupMember.ticket_id == Ticket.id)
        .where(GroupMember.group_id == group.id, Ticket.status == "issued")
        .order_by(GroupMember.kind.desc(), GroupMember.position)
    ).all()
    return [MemberAtGate(r.code, r.name, r.kind, bool(r.inside), r.admitted_at is not None) for r in rows]


def look_up(payload: str, *, keyring, show_slug: str) -> GroupAtGate:
    """The group behind a scanned pass; NotFound for a forged pass or another show's group."""
    group = _group(payload, keyring, show_slug)
    members = _members(group)
    return GroupAtGate(
        group.pass_code,
        group.school,
        group.class_name,
        len(members),
        sum(1 for m in members if m.admitted),
        members,
    )


def gate_groups(session, show_id: int) -> list[list]:
    """The held groups of a show for the gate phones' list: [pass code, school, class, [member
    ticket codes]]; names, where the show allows them, come with the tickets' own entries."""
    rows = session.execute(
        select(SchoolGroup.id, SchoolGroup.pass_code, SchoolGroup.school, SchoolGroup.class_name, Ticket.code)
        .join(GroupMember, GroupMember.group_id == SchoolGroup.id)
        .join(Ticket, Ticket.id == GroupMember.ticket_id)
        .where(SchoolGroup.show_id == show_id, SchoolGroup.state == "held", Ticket.status == "issued")
        .order_by(SchoolGroup.id, GroupMember.kind.desc(), GroupMember.position)
    ).all()
    groups: dict[int, list] = {}
    for row in rows:
        groups.setdefault(row.id, [row.pass_code, row.school, row.class_name, []])[3].append(row.code)
    return list(groups.values())


def admit_offline(
    payload: str, member_code: str, *, keyring, staff, local_result: str, **where
) -> ScanResult:
    """One member's admission a phone decided offline from a group pass, recorded as an offline
    scan of the member's ticket. A pass that is not genuine is recorded as an invalid scan; a
    code that is not one of the group's members names no ticket (unknown): neither admits."""
    code = verify_pass(payload, keyring)
    if code is None:
        return admission.scan(payload, keyring=keyring, staff=staff, local_result=local_result, **where)
    parsed = parse_code(member_code) or ""
    belongs = db.session.scalar(
        select(GroupMember.id)
        .join(SchoolGroup, SchoolGroup.id == GroupMember.group_id)
        .join(Ticket, Ticket.id == GroupMember.ticket_id)
        .where(SchoolGroup.pass_code == code, Ticket.code == parsed)
    )
    return admission.admit_ticket(parsed if belongs else "", staff=staff, local_result=local_result, **where)


def member_scan_id(step_id: str, code: str) -> str:
    return "grp:" + hashlib.sha256(f"{step_id}\n{code}".encode()).hexdigest()[:48]


def admit(
    payload: str,
    *,
    keyring,
    staff,
    gate: str,
    show_slug: str,
    client_scan_id: str,
    now: datetime,
    codes: list[str] | None = None,
    count: int | None = None,
) -> GroupAdmission:
    """Admits the ticked members (their ticket codes) or the first `count` not yet admitted."""
    group = _group(payload, keyring, show_slug)
    members = _members(group)
    if codes is not None:
        known = {m.code for m in members}
        chosen = [c for c in dict.fromkeys(codes) if c in known]
        if len(chosen) != len(set(codes)):
            raise InvalidInput({"codes": "invalid_choice"})
    elif count is not None and count >= 0:
        # A step sent again picks the people it picked the first time: those its own scan ids
        # already name, then the next not yet admitted.
        ids = {member_scan_id(client_scan_id, m.code): m.code for m in members}
        earlier = set(db.session.scalars(select(Scan.client_scan_id).where(Scan.client_scan_id.in_(ids))))
        chosen = [m.code for m in members if member_scan_id(client_scan_id, m.code) in earlier]
        chosen += [m.code for m in members if not m.admitted and m.code not in chosen]
        chosen = chosen[:count]
    else:
        raise InvalidInput({"count": "required"})
    db.session.commit()  # the reads end here; each admission is its own transaction
    answer = GroupAdmission()
    for code in chosen:
        result = admission.admit_ticket(
            code,
            staff=staff,
            gate=gate,
            direction="in",
            show_slug=show_slug,
            client_scan_id=member_scan_id(client_scan_id, code),
            now=now,
        )
        answer.results[result.result] += 1
        answer.admitted += result.result in ("admitted", "reentered")
        answer.people.append({"code": code, "result": result.result})
    return answer
