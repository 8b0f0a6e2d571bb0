"""Gate endpoints: scans (QR and by hand), undo, ticket lookup and the scanner's counters."""
from __future__ import annotations

from flask import current_app, g, jsonify, request

from .. import admission
from ..database import utcnow
from ..errors import InvalidInput
from ..extensions import db
from ..web.errors import error_body, json_error
from ..web.scan_messages import present
from . import bp
from .contract import operation, validate
from .schemas import (
    BatchAnswer,
    BatchIn,
    BatchItem,
    Counters,
    CountersQuery,
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
        "device": (body.device or request.headers.get("User-Agent", ""))[:DEVICE_MAX] or None,
    }


def _answer(result: admission.ScanResult):
    return jsonify(present(result.response))


@bp.post("/scans")
@operation("Scan a ticket's QR code at a gate", body=ScanIn, answer=ScanAnswer, role="volunteer",
           errors=SCAN_ERRORS)
def create_scan(body: ScanIn):
    result = admission.scan(body.payload, keyring=current_app.extensions["checkin_keyring"], staff=g.staff,
                            now=utcnow(), **_where(body))
    return _answer(result)


@bp.post("/scans/batch")
@operation("Upload a phone's offline queue of scans", body=BatchIn, answer=BatchAnswer, role="volunteer",
           description="Each item is checked and answered on its own (a scan answer or an error body), "
                       "so one bad item does not hold the others back; a batch cut off half-way is "
                       "simply sent again (client ids make that safe).")
def create_scan_batch(body: BatchIn):
    now = utcnow()
    answers: list[dict | None] = [None] * len(body.scans)
    valid = []
    for index, raw in enumerate(body.scans):
        try:
            item = validate(BatchItem, raw)
        except InvalidInput as error:
            client_scan_id = raw.get("client_scan_id") if isinstance(raw, dict) else None
            answers[index] = {"client_scan_id": client_scan_id if isinstance(client_scan_id, str) else None,
                              **error_body("invalid", error.fields)}
            continue
        valid.append((item.scanned_at or now, item.client_scan_id, index, item))
    keyring = current_app.extensions["checkin_keyring"]
    for _, _, index, item in sorted(valid, key=lambda scan: scan[:2]):
        result = admission.scan(item.payload, keyring=keyring, staff=g.staff, now=utcnow(),
                                local_result=item.local_result, **_where(item))
        answers[index] = {"client_scan_id": item.client_scan_id, **present(result.response)}
    return jsonify({"results": answers})


@bp.post("/scans/manual")
@operation("Admit by hand, naming the ticket by its code", body=ManualIn, answer=ScanAnswer,
           role="volunteer", errors=SCAN_ERRORS)
def create_manual_scan(body: ManualIn):
    ref = body.ticket_id if body.ticket_id is not None else body.code
    if ref is None:
        raise InvalidInput({"code": "required"})
    result = admission.admit_ticket(ref, staff=g.staff, now=utcnow(), **_where(body))
    return _answer(result)


@bp.post("/scans/undo")
@operation("Undo the volunteer's own last admission of the last minute", body=UndoIn, answer=ScanAnswer,
           role="volunteer", errors={409: "nothing_to_undo, scan_id_reused"})
def undo_scan(body: UndoIn):
    result = admission.undo_last_admission(staff=g.staff, reason=body.reason, gate=body.gate,
                                           client_scan_id=body.client_scan_id, now=utcnow(),
                                           device=request.headers.get("User-Agent", "")[:DEVICE_MAX] or None)
    return _answer(result)


@bp.post("/lookup")
@operation("Look a ticket up by code, phone or name", body=LookupIn, answer=LookupAnswer, role="volunteer",
           description="POST, not GET: a phone number or a name must not end up in a URL or an access log.")
def lookup_tickets(body: LookupIn):
    found = admission.lookup(db.session, body.show, body.q)
    return jsonify({"tickets": [{
        "id": f.id, "code": f.code, "name": f.name, "phone_tail": f.phone_tail, "birth_year": f.birth_year,
        "status": f.status, "admitted_at": f.admitted_at, "admitted_gate": f.admitted_gate, "inside": f.inside,
    } for f in found]})


@bp.get("/shows/<slug>/gate-counters")
@operation("The scanner's counters: admitted at this gate, inside, capacity", query=CountersQuery,
           answer=Counters, role="volunteer", errors={404: "not_found (no such show)"})
def gate_counters(slug: str, query: CountersQuery):
    counters = admission.counters(db.session, slug, query.gate)
    if counters is None:
        return json_error("not_found", 404)
    return jsonify({"gate": query.gate, "gate_admitted": counters.gate_admitted, "inside": counters.inside,
                    "capacity": counters.capacity})
