"""A school group at the gate (issue 19): the teacher's group pass shows the group, how many are
expected and how many are already in; the volunteer admits those present in one step, by a
count or by ticking them.

Each member is admitted through their own ticket, by the same admission as any scan
(checkin/admission.py): a conditional UPDATE of the ticket (exactly once, whatever the devices)
and of the show's inside counter (the venue capacity), a log row per person, and a client scan
id made from the step's own id and the ticket's code, so a step sent again (a retry, an offline
queue) admits nobody twice and answers as the first time. A member's ticket still scans alone.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from . import admission
from .errors import InvalidInput, NotFound
from .extensions import db
from .group_models import GroupMember, SchoolGroup
from .group_pass import verify_pass
from .models import Scan, Show, Ticket


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
