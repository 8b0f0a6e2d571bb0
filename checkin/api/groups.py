"""Gate endpoints of school groups (issue 19): a group pass looked up, its members admitted in
one step by a count or by their ticket codes."""

from __future__ import annotations

from typing import Annotated

from flask import current_app, g, jsonify
from pydantic import Field

from .. import group_admission
from ..database import utcnow
from . import bp
from .contract import operation
from .fields import integer, text
from .schemas import ClientScanId, Gate, Input, Output, Payload, Slug

PASS_ERRORS = {404: "not_found (not a genuine group pass, or no held group of this show)"}


class GroupPassIn(Input):
    payload: Payload = Field(description="the group pass's QR text (G1:...)")
    show: Slug = Field(description="the show the gate admits to")


class GroupMemberOut(Output):
    code: str
    name: str
    kind: str
    inside: bool
    admitted: bool


class GroupAtGateOut(Output):
    school: str
    class_name: str
    expected: int = Field(description="members with a ticket")
    already_in: int
    members: list[GroupMemberOut]


class GroupAdmitIn(GroupPassIn):
    gate: Gate
    client_scan_id: ClientScanId = Field(description="the step's id; sent again, nobody is admitted twice")
    count: Annotated[int, integer(0, 500)] | None = Field(
        None, description="admit this many not yet admitted"
    )
    codes: list[Annotated[str, text(20)]] | None = Field(
        None, max_length=500, description="or the ticked members' ticket codes"
    )


class PersonResult(Output):
    code: str
    result: str


class GroupAdmitOut(Output):
    admitted: int
    results: dict[str, int]
    people: list[PersonResult]


def _keyring():
    return current_app.extensions["checkin_keyring"]


@bp.post("/group-passes/lookup")
@operation(
    "Look up a school group by its pass",
    body=GroupPassIn,
    answer=GroupAtGateOut,
    role="volunteer",
    errors=PASS_ERRORS,
)
def look_up_group(body: GroupPassIn):
    found = group_admission.look_up(body.payload, keyring=_keyring(), show_slug=body.show)
    return jsonify(
        {
            "school": found.school,
            "class_name": found.class_name,
            "expected": found.expected,
            "already_in": found.already_in,
            "members": [m.__dict__ for m in found.members],
        }
    )


@bp.post("/group-passes/admit")
@operation(
    "Admit the members of a school group present at the gate",
    body=GroupAdmitIn,
    answer=GroupAdmitOut,
    role="volunteer",
    errors=PASS_ERRORS,
    description="Each person is admitted on their own ticket, exactly once, within the venue capacity; "
    "a person the venue has no room for is answered venue_full and stays outside.",
)
def admit_group(body: GroupAdmitIn):
    done = group_admission.admit(
        body.payload,
        keyring=_keyring(),
        staff=g.staff,
        gate=body.gate,
        show_slug=body.show,
        client_scan_id=body.client_scan_id,
        now=utcnow(),
        codes=body.codes,
        count=body.count,
    )
    return jsonify({"admitted": done.admitted, "results": dict(done.results), "people": done.people})
