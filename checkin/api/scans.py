"""Gate endpoints: scans (QR and by hand), undo, ticket lookup and the scanner's counters."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g, jsonify, request

from .. import admission
from ..devices import describe as describe_device
from ..database import utcnow
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..web.errors import domain_error_json, error_body, json_error
from ..web.scan_messages import present
from ..web.staff_session import api_staff_required
from . import bp

CLIENT_SCAN_ID_MAX = 64
DEVICE_MAX = 80
REASON_MAX = 200
QUERY_MAX = 100
BATCH_MAX = 200


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput({"_body": "not_an_object"})
    return body


def _text(body: dict, name: str, errors: dict, *, required=True, max_length: int | None = None) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip() and required):
        if required:
            errors[name] = "required"
        return None
    if not isinstance(value, str):
        errors[name] = "wrong_type"
        return None
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        errors[name] = "too_long"
        return None
    return value


def _scanned_at(body: dict, errors: dict) -> datetime | None:
    raw = body.get("scanned_at")
    if raw is None:
        return None
    if not isinstance(raw, str):
        errors["scanned_at"] = "wrong_type"
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        errors["scanned_at"] = "wrong_type"
        return None
    # A device time without an offset is taken as UTC, which is what Date.toISOString() sends.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _where(body: dict, errors: dict) -> dict:
    """The fields every gate action shares: which gate, which show, which scan of the device."""
    direction = body.get("direction", "in")
    if direction not in admission.DIRECTIONS:
        errors["direction"] = "invalid_choice"
    device = body.get("device")
    if device is not None and not isinstance(device, str):
        errors["device"] = "wrong_type"
    return {
        "gate": _text(body, "gate", errors, max_length=admission.GATE_MAX),
        "show_slug": _text(body, "show", errors, required=False, max_length=40),
        "direction": direction,
        "client_scan_id": _text(body, "client_scan_id", errors, max_length=CLIENT_SCAN_ID_MAX),
        "scanned_at": _scanned_at(body, errors),
        "device": (device or describe_device(request.headers.get("User-Agent", "")))[:DEVICE_MAX] or None,
    }


def _qr_scan(body: dict, errors: dict) -> tuple[str | None, dict]:
    """A QR scan's fields, alone (POST /scans) or as one item of a batch: the payload and _where."""
    payload = body.get("payload")
    if not isinstance(payload, str) or not payload:
        errors["payload"] = "required" if payload in (None, "") else "wrong_type"
    return payload, _where(body, errors)


def _answer(result: admission.ScanResult):
    return jsonify(present(result.response))


@bp.post("/scans")
@api_staff_required("volunteer")
def create_scan():
    try:
        body = _body()
        errors: dict[str, str] = {}
        payload, where = _qr_scan(body, errors)
        if errors:
            raise InvalidInput(errors)
        result = admission.scan(payload, keyring=current_app.extensions["checkin_keyring"], staff=g.staff,
                                now=utcnow(), **where)
    except DomainError as error:
        return domain_error_json(error)
    return _answer(result)


@bp.post("/scans/batch")
@api_staff_required("volunteer")
def create_scan_batch():
    """A phone's offline queue: scans it decided alone, applied in the order they were scanned.

    Each scan is its own transaction and answers for itself, so one bad item does not hold the
    others back, and a batch cut off half-way is simply sent again (client ids make that safe).
    """
    try:
        body = _body()
        items = body.get("scans")
        if not isinstance(items, list) or not items or len(items) > BATCH_MAX:
            raise InvalidInput({"scans": "required" if not items else ("too_long" if isinstance(items, list)
                                                                         else "wrong_type")})
    except DomainError as error:
        return domain_error_json(error)
    now = utcnow()
    answers: list[dict | None] = [None] * len(items)
    valid = []
    for index, item in enumerate(items):
        errors: dict[str, str] = {}
        if not isinstance(item, dict):
            answers[index] = {"client_scan_id": None, **error_body("invalid", {"_body": "not_an_object"})}
            continue
        payload, where = _qr_scan(item, errors)
        local_result = item.get("local_result")
        if local_result is not None and local_result not in admission.LOCAL_RESULTS:
            errors["local_result"] = "invalid_choice"
        if errors:
            client_scan_id = item.get("client_scan_id") if isinstance(item.get("client_scan_id"), str) else None
            answers[index] = {"client_scan_id": client_scan_id, **error_body("invalid", errors)}
            continue
        valid.append((where["scanned_at"] or now, where["client_scan_id"], index, payload, local_result, where))
    keyring = current_app.extensions["checkin_keyring"]
    for _, _, index, payload, local_result, where in sorted(valid, key=lambda scan: scan[:2]):
        result = admission.scan(payload, keyring=keyring, staff=g.staff, now=utcnow(),
                                local_result=local_result, **where)
        answers[index] = {"client_scan_id": where["client_scan_id"], **present(result.response)}
    return jsonify({"results": answers})


@bp.post("/scans/manual")
@api_staff_required("volunteer")
def create_manual_scan():
    """Admits from a lookup's result ({"ticket_id"}) or a typed code ({"code"})."""
    try:
        body = _body()
        errors: dict[str, str] = {}
        ticket_id, code = body.get("ticket_id"), body.get("code")
        if isinstance(ticket_id, int) and not isinstance(ticket_id, bool):
            ref: int | str | None = ticket_id
        elif isinstance(code, str) and code.strip():
            ref = code[:40]
        else:
            ref = None
            errors["code"] = "required" if ticket_id is None and not code else "wrong_type"
        where = _where(body, errors)
        if errors:
            raise InvalidInput(errors)
        result = admission.admit_ticket(ref, staff=g.staff, now=utcnow(), **where)
    except DomainError as error:
        return domain_error_json(error)
    return _answer(result)


@bp.post("/scans/undo")
@api_staff_required("volunteer")
def undo_scan():
    """The volunteer's own last admission of the last minute, with a reason."""
    try:
        body = _body()
        errors: dict[str, str] = {}
        reason = _text(body, "reason", errors, max_length=REASON_MAX)
        gate = _text(body, "gate", errors, max_length=admission.GATE_MAX)
        client_scan_id = _text(body, "client_scan_id", errors, max_length=CLIENT_SCAN_ID_MAX)
        if errors:
            raise InvalidInput(errors)
        result = admission.undo_last_admission(staff=g.staff, reason=reason, gate=gate,
                                               client_scan_id=client_scan_id, now=utcnow(),
                                               device=describe_device(request.headers.get("User-Agent", ""))[:DEVICE_MAX] or None)
    except DomainError as error:
        return domain_error_json(error)
    return _answer(result)


@bp.post("/lookup")
@api_staff_required("volunteer")
def lookup_tickets():
    """POST, not GET: a phone number or a name must not end up in a URL or an access log."""
    try:
        body = _body()
        errors: dict[str, str] = {}
        show = _text(body, "show", errors, max_length=40)
        query = _text(body, "q", errors, max_length=QUERY_MAX)
        if errors:
            raise InvalidInput(errors)
    except DomainError as error:
        return domain_error_json(error)
    found = admission.lookup(db.session, show, query)
    return jsonify({"tickets": [{
        "id": f.id, "code": f.code, "name": f.name, "phone_tail": f.phone_tail, "birth_year": f.birth_year,
        "status": f.status, "admitted_at": f.admitted_at, "admitted_gate": f.admitted_gate, "inside": f.inside,
    } for f in found]})


@bp.get("/shows/<slug>/gate-counters")
@api_staff_required("volunteer")
def gate_counters(slug: str):
    gate = request.args.get("gate", "")[:admission.GATE_MAX]
    counters = admission.counters(db.session, slug, gate)
    if counters is None:
        return json_error("not_found", 404)
    return jsonify({"gate": gate, "gate_admitted": counters.gate_admitted, "inside": counters.inside,
                    "capacity": counters.capacity})
