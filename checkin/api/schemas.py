"""What each /api/v1 endpoint accepts and answers: the models that validate requests and that
the OpenAPI document is made from (checkin/api/contract.py), so the two cannot drift."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .. import admission
from ..personal_data import EMAIL_MAX, NAME_MAX, OLDEST_BIRTH_YEAR, PHONE_RAW_MAX
from .fields import SLUG_PATTERN, UtcDateTime, integer, raw_text, text

Slug = Annotated[str, text(40, pattern=SLUG_PATTERN)]
Gate = Annotated[str, text(admission.GATE_MAX)]
ClientScanId = Annotated[str, text(64)]
Direction = Literal["in", "out"]
# Whatever a camera read (ours are 121 characters; a foreign QR code is an "invalid" result, not
# an error), up to the most a QR code holds.
Payload = Annotated[str, raw_text(4296, min_length=1)]


class Input(BaseModel):
    """A request body or query: unknown fields are ignored (older and newer scanners differ)."""

    model_config = ConfigDict(extra="ignore")
    # Field -> the one error code any failure of that field is reported as (the domain's own).
    field_codes: ClassVar[dict[str, str]] = {}


class Output(BaseModel):
    model_config = ConfigDict(extra="allow")


# -- errors ------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, e.g. invalid, not_found, duplicate, full, rate_limited")
    message: str = Field(description="in the request's language (Vietnamese by default)")
    fields: dict[str, str] | None = Field(None, description="field -> translated message (code invalid)")
    field_codes: dict[str, str] | None = Field(None, description="field -> stable code (code invalid)")


class ErrorBody(BaseModel):
    error: ErrorDetail


# -- public ------------------------------------------------------------------------------------


class LocalizedTitle(BaseModel):
    vi: str
    en: str


class ShowOut(Output):
    slug: str
    title: str
    title_vi: str
    title_en: str
    venue: str
    doors_open_at: str = Field(description="ISO 8601 in Asia/Ho_Chi_Minh")
    starts_at: str
    ends_at: str
    ticket_quota: int
    seats_left: int
    registration: Literal["open", "full", "not_yet", "closed"]
    registration_opens_at: str
    registration_closes_at: str


class ShowList(Output):
    shows: list[ShowOut]


class RegistrationIn(Input):
    name: Annotated[str, raw_text(NAME_MAX)]
    email: Annotated[str, raw_text(EMAIL_MAX)]
    phone: Annotated[str, raw_text(PHONE_RAW_MAX)]
    birth_year: (
        Annotated[int, integer(OLDEST_BIRTH_YEAR, 2100)] | Annotated[str, text(4, pattern=r"^[0-9]{4}$")]
    ) = Field(description="four digits, as a number or a string")
    consent: bool = Field(strict=True, description="the attendee's consent to the privacy notice")
    guardian_name: Annotated[str, raw_text(NAME_MAX)] | None = Field(None, description="required under 16")
    guardian_consent: bool | None = Field(None, strict=True, description="required under 16")
    waitlist: bool | None = Field(None, strict=True, description="join the waitlist when the show is full")

    field_codes: ClassVar[dict[str, str]] = {
        "birth_year": "invalid_birth_year",
        "consent": "consent_required",
    }


class RegistrationOut(Output):
    status: Literal["pending"] = Field(
        description="the same for everyone: the e-mail holds the link that confirms"
    )
    hold_minutes: int = Field(description="minutes the place is held for the link in the e-mail")


class PublicKey(Output):
    kid: str
    alg: Literal["Ed25519"]
    public_key: str = Field(description="base64url, the raw 32 bytes")


class KeyList(Output):
    keys: list[PublicKey]


class Health(Output):
    ok: bool


class Ready(Output):
    ok: bool
    checks: dict[str, Literal["ok", "degraded", "down"]] = Field(
        description="each dependency this server needs"
    )
    degraded: list[str] | None = Field(
        None,
        description="what is down while the server still serves (Redis: "
        "rate limits counted in each worker's memory meanwhile)",
    )


# -- gate --------------------------------------------------------------------------------------


class Where(Input):
    """What every gate action shares: which show, which gate, which scan of the device."""

    show: Slug | None = Field(None, description="the show the gate admits to")
    gate: Gate = Field(description="the gate's label, recorded and counted with the scan")
    direction: Direction = "in"
    client_scan_id: ClientScanId = Field(description="made by the device; sent again, the first answer")
    scanned_at: UtcDateTime | None = Field(None, description="device time (offline uploads)")
    device: Annotated[str, text(80, min_length=0)] | None = None


class ScanIn(Where):
    payload: Payload = Field(description="the QR text")


class BatchItem(ScanIn):
    local_result: Literal[admission.LOCAL_RESULTS] | None = Field(  # type: ignore[valid-type]
        None, description="what the phone decided alone"
    )
    member: Annotated[str, text(20)] | None = Field(
        None,
        description="with a school group's pass as payload: the ticket code of the member the phone "
        "admitted offline by that pass",
    )


class BatchIn(Input):
    # Each item is checked on its own (BatchItem) and answered on its own: one bad item does
    # not hold the others back.
    scans: list[Any] = Field(
        min_length=1,
        max_length=200,
        json_schema_extra={
            "items": {
                "anyOf": [
                    {"$ref": "#/components/schemas/BatchItem"},
                    {"description": "anything else is answered with an error body in its place"},
                ]
            }
        },
    )


class ManualIn(Where):
    code: Annotated[str, text(20)] | None = Field(
        None, description="the ticket code, with or without its dash"
    )


class UndoIn(Input):
    reason: Annotated[str, text(200)]
    gate: Gate
    client_scan_id: ClientScanId


class LookupIn(Input):
    show: Slug
    q: Annotated[str, text(100)] = Field(
        description="a whole ticket code or phone number, or 3 letters of a name"
    )
    direction: Direction = "in"


class GateChoiceIn(Input):
    show: Slug
    gate: Gate


class GateChoiceOut(Output):
    show: str
    gate: str


class TicketRef(Output):
    code: str
    name: str
    show: str
    show_title: str | LocalizedTitle


class ScanAnswer(Output):
    result: Literal[admission.RESULTS + (admission.UNDONE,)]  # type: ignore[valid-type]
    ok: bool
    message: str
    tone: str | None = None
    ticket: TicketRef | None = None
    first_admitted_at: str | None = None
    first_gate: str | None = None


class BatchAnswer(Output):
    results: list[ScanAnswer | ErrorBody]


class LookupRow(Output):
    code: str = Field(description="as printed on the ticket, with its dash")
    name: str | None = Field(description="null for a ticket of another show")
    under_16: bool
    phone_tail: str | None = Field(description="the phone number's last 3 digits")
    can_admit: bool = Field(description="whether a scan would let the person through now")
    answer: ScanAnswer = Field(description="what a scan of this ticket would answer now")


class LookupAnswer(Output):
    tickets: list[LookupRow]


class CountersQuery(Input):
    gate: Annotated[str, text(admission.GATE_MAX, min_length=0)] = ""


class Counters(Output):
    gate: str
    gate_admitted: int
    inside: int
    capacity: int


def _our_cursor(value: str) -> str | None:
    # One that is not ours (or names a time past any calendar) gets the full list, as before.
    return value if re.fullmatch(r"v1\.[0-9]{1,16}", value) else None


class GateListQuery(Input):
    since: Annotated[str, text(200, min_length=0), AfterValidator(_our_cursor)] = Field(
        "",
        description="the cursor of the last download: only what changed since (v1.<digits>); "
        "any other value gets the full list",
    )


class GateList(Output):
    show: dict
    gates: list[str]
    keys: list[PublicKey]
    cursor: str
    full: bool
    tickets: list[list]
    standby: dict = Field(
        description="the standby line: called_up_to (at this download) and every pass, whole each "
        "time: [code, number, state, name?, admitted HH:MM?, gate?]"
    )
    groups: list[list] = Field(
        description="every held school group of the show, whole each time: "
        "[pass code, school, class, [members' ticket codes]]"
    )


class ReconfirmationCounts(Output):
    asked: int
    confirmed: int
    declined: int
    silent: int
    released: int
    promoted: int
    deadline: str
    state: str


class StandbyCounts(Output):
    issued: int
    called_up_to: int
    admitted: int
    inside: int
    started: bool


class Stats(Output):
    ticket_quota: int
    issued: int
    waitlisted: int
    cancelled: int
    venue_capacity: int
    admitted: int
    inside: int
    gates: dict
    reconfirmation: ReconfirmationCounts | None = None
    standby: StandbyCounts | None = None
