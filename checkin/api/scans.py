"""Gate endpoints: scans (QR and by hand), undo, ticket lookup and the scanner's counters."""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from .. import admission, gate_lookup, group_admission
from ..database import utcnow
from ..devices import describe as describe_device
from ..errors import DomainError, InvalidInput
from ..extensions import db, limiter
from ..web.errors import domain_error_body, json_error
from ..web.scan_messages import present
from . import bp
from .contract import checked as validate_item
from .contract import operation
from .schemas import (
    BatchAnswer,
    BatchIn,
    BatchItem,
    Counters,
    CountersQuery,
    GateChoiceIn,
    GateChoiceOut,
    LookupAnswer,
    LookupIn,
    ManualIn,
    ScanAnswer,
    ScanIn,
    UndoIn,
    Where,
)

DEVICE_MAX = 80
SCAN_ERRORS = {409: "scan_id_reused (the client_scan_id belongs to another scan)"}


def _where(body: Where) -> dict:
    """The fields every gate action shares, as the domain's keyword arguments."""
    return {
        "gate": body.gate,
        "show_slug": body.show,
        "direction": body.direction,
        "client_scan_id": body.client_scan_id,
        "scanned_at": body.scanned_at,
        "device": (body.device or describe_device(request.headers.get("User-Agent", "")))[:DEVICE_MAX]
        or None,
    }


def _answer(result: admission.ScanResult):
    return jsonify(present(result.response))


def _per_volunteer() -> str:
    """Rate limits of the hand actions count per staff account, whichever phone or address."""
    return f"staff:{g.staff.id}"


@bp.post("/scans")
@operation(
    "Scan a ticket's QR code at a gate", body=ScanIn, answer=ScanAnswer, role="volunteer", errors=SCAN_ERRORS
)
def create_scan(body: ScanIn):
    result = admission.scan(
        body.payload,
        keyring=current_app.extensions["checkin_keyring"],
        staff=g.staff,
        now=utcnow(),
        **_where(body),
    )
    return _answer(result)


@bp.post("/scans/batch")
@operation(
    "Upload a phone's offline queue of scans",
    body=BatchIn,
    answer=BatchAnswer,
    role="volunteer",
    description="Each item is checked and answered on its own (a scan answer or an error body), "
    "so one bad item does not hold the others back; a batch cut off half-way is "
    "simply sent again (client ids make that safe).",
)
def create_scan_batch(body: BatchIn):
    checked = [validate_item(BatchItem, raw) for raw in body.scans]
    valid = [item for item in checked if not isinstance(item, InvalidInput)]
    results = iter(
        admission.scan_offline_queue(
            [
                admission.OfflineScan(item.payload, item.local_result, member=item.member, **_where(item))
                for item in valid
            ],
            keyring=current_app.extensions["checkin_keyring"],
            staff=g.staff,
            clock=utcnow,
            admit_member=group_admission.admit_offline,
        )
    )
    answers = []
    for raw, item in zip(body.scans, checked, strict=True):
        if isinstance(item, InvalidInput):
            client_scan_id = raw.get("client_scan_id") if isinstance(raw, dict) else None
            client_scan_id = client_scan_id if isinstance(client_scan_id, str) else None
            result: admission.ScanResult | DomainError = item
        else:
            client_scan_id, result = item.client_scan_id, next(results)
        answer = domain_error_body(result)[0] if isinstance(result, DomainError) else present(result.response)
        answers.append({"client_scan_id": client_scan_id, **answer})
    return jsonify({"results": answers})


@bp.post("/scans/manual")
@operation(
    "Admit by hand, naming the ticket by its code",
    body=ManualIn,
    answer=ScanAnswer,
    role="volunteer",
    errors={**SCAN_ERRORS, 429: "rate_limited (per volunteer)"},
)
@limiter.limit(lambda: current_app.config["GATE_MANUAL_RATE_LIMIT"], key_func=_per_volunteer)
def create_manual_scan(body: ManualIn):
    if body.code is None:
        raise InvalidInput({"code": "required"})
    result = admission.admit_ticket(body.code, staff=g.staff, now=utcnow(), **_where(body))
    return _answer(result)


@bp.post("/scans/undo")
@operation(
    "Undo the volunteer's own last admission of the last minute",
    body=UndoIn,
    answer=ScanAnswer,
    role="volunteer",
    errors={409: "nothing_to_undo, scan_id_reused"},
)
def undo_scan(body: UndoIn):
    result = admission.undo_last_admission(
        staff=g.staff,
        reason=body.reason,
        gate=body.gate,
        client_scan_id=body.client_scan_id,
        now=utcnow(),
        device=describe_device(request.headers.get("User-Agent", ""))[:DEVICE_MAX] or None,
    )
    return _answer(result)


@bp.post("/lookup")
@operation(
    "Look a ticket up by code, phone or name",
    body=LookupIn,
    answer=LookupAnswer,
    role="volunteer",
    errors={
        403: "gate_not_chosen (a volunteer sees only the show of their gate)",
        404: "not_found (no such show)",
        429: "rate_limited (per volunteer)",
    },
    description="POST, not GET: a phone number or a name must not end up in a URL or an access log. "
    "At least 3 letters of a name, or a whole code or phone number; at most 5 rows, "
    "each with what a scan would answer now.",
)
@limiter.limit(lambda: current_app.config["GATE_LOOKUP_RATE_LIMIT"], key_func=_per_volunteer)
def lookup_tickets(body: LookupIn):
    found = gate_lookup.lookup(db.session, g.staff, body.show, body.q, direction=body.direction, now=utcnow())
    return jsonify(
        {
            "tickets": [
                {
                    "code": f.code,
                    "name": f.name,
                    "under_16": f.under_16,
                    "phone_tail": f.phone_tail,
                    "can_admit": f.can_admit,
                    "answer": present(f.answer),
                }
                for f in found
            ]
        }
    )


@bp.post("/gate")
@operation(
    "Choose the gate this volunteer works at",
    body=GateChoiceIn,
    answer=GateChoiceOut,
    role="volunteer",
    errors={404: "not_found (no such gate of that show)"},
    description="Lookups and the offline gate list are then limited to that gate's show.",
)
def choose_gate(body: GateChoiceIn):
    gate_lookup.choose_gate(g.staff.id, body.show, body.gate, now=utcnow())
    return jsonify({"show": body.show, "gate": body.gate})


@bp.get("/shows/<slug>/gate-counters")
@operation(
    "The scanner's counters: admitted at this gate, inside, capacity",
    query=CountersQuery,
    answer=Counters,
    role="volunteer",
    errors={404: "not_found (no such show)"},
)
def gate_counters(slug: str, query: CountersQuery):
    counters = admission.counters(db.session(), slug, query.gate)
    if counters is None:
        return json_error("not_found", 404)
    return jsonify(
        {
            "gate": query.gate,
            "gate_admitted": counters.gate_admitted,
            "inside": counters.inside,
            "capacity": counters.capacity,
        }
    )
