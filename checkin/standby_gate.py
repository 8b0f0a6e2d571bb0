"""A standby pass at the gate: its QR and the scan that lets it in or out.

Split from checkin/standby.py (the line: numbers, calling, the board) so each stays readable;
the gate part needs nothing of the line's code, only its tables, which keeps the two apart.

- Admission: a pass is admitted once (conditional UPDATE on admitted_at), only if its number
  is called, and only while inside_count stays below capacity minus the kept places (the same
  counter the gate's tickets take, in the same conditional UPDATE): the database holds that
  line, whatever the called number says. After the show's day a pass opens nothing.

The pass's QR is its own kind: ``S1:<kid>:<code>:<signature>``, signed like a ticket
(checkin/tickets.py) over its own prefix, so neither kind's signature passes for the other.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import places, tickets
from .database import transaction
from .models import Scan, Show, StandbyLine, StandbyPass
from .shows import show_day_end, to_local
from .signing import Keyring

PREFIX = "S1"
_PAYLOAD_RE = re.compile(
    rf"^S1:([A-Z2-7]{{5}}):([{tickets.CODE_ALPHABET}]{{{tickets.CODE_LENGTH}}}):([A-Z2-7]{{103}})$"
)


def sign_pass(code: str, keyring: Keyring) -> str:
    key = keyring.current
    message = f"{PREFIX}:{key.kid}:{code}"
    signature = key.private_key.sign(message.encode("ascii"))
    return f"{message}:{base64.b32encode(signature).decode().rstrip('=')}"


def verify_pass(text: str, keyring: Keyring) -> str | None:
    """The pass code a standby payload vouches for, or None."""
    match = _PAYLOAD_RE.match((text or "").strip())
    if match is None:
        return None
    kid, code, signature_b32 = match.groups()
    # As tickets.verify_payload: 515 bits, the 3 unused ones zero (one spelling per signature).
    bits = int(signature_b32.translate(tickets._BASE32_AS_DIGITS), 32)
    if bits & 0b111:
        return None
    signature = (bits >> 3).to_bytes(64, "big")
    if not keyring.verify(kid, f"{PREFIX}:{kid}:{code}".encode("ascii"), signature):
        return None
    return code


def is_standby_payload(text: str) -> bool:
    return isinstance(text, str) and text.strip().startswith(PREFIX + ":")


# A pass takes its place from the show's capacity less the places kept for late ticket holders.
_KEPT = select(StandbyLine.kept_places).where(StandbyLine.show_id == Show.id).scalar_subquery()
_FIRST_ENTRY = (
    update(StandbyPass)
    .where(
        StandbyPass.id == bindparam("pass_id"),
        StandbyPass.admitted_at.is_(None),
        StandbyPass.number
        <= select(StandbyLine.called_up_to)
        .where(StandbyLine.show_id == StandbyPass.show_id)
        .scalar_subquery(),
    )
    .values(admitted_at=bindparam("at"), admitted_gate=bindparam("gate"), inside=True)
)
_UNDO_ENTRY = (
    update(StandbyPass)
    .where(StandbyPass.id == bindparam("pass_id"))
    .values(admitted_at=None, admitted_gate=None, inside=False)
)
_LEAVING = (
    update(StandbyPass)
    .where(StandbyPass.id == bindparam("pass_id"), StandbyPass.inside.is_(True))
    .values(inside=False)
)
_REENTRY = (
    update(StandbyPass)
    .where(
        StandbyPass.id == bindparam("pass_id"),
        StandbyPass.admitted_at.is_not(None),
        StandbyPass.inside.is_(False),
    )
    .values(inside=True)
)


def scan(
    payload_text: str,
    *,
    keyring: Keyring,
    staff_id: int | None,
    gate: str,
    direction: str,
    client_scan_id: str,
    show_slug: str | None,
    now: datetime,
    method: str = "qr",
    scanned_at: datetime | None = None,
    local_result: str | None = None,
) -> tuple[dict, int, bool]:
    """A standby pass at the gate: (the stored answer, its scan row's id, replayed). The answer
    uses the scan results of admission.RESULTS; a number not yet called is "not_open" with
    the called number, after the show's day "not_open" with show_over.

    With ``local_result``, a scan a phone decided offline (checkin/offline.py gives it the passes
    and the number called at download time), as admission.py records tickets': the phone's
    refusal is only logged; its move is made now, at the device's time when plausible, and if
    the server cannot make it (another phone admitted the pass first, the venue is full) an entry
    is a conflict for the organisers and changes nothing. Moves are applied in the order they
    arrive (a phone uploads its queue oldest first); exactly once is the conditional UPDATE's."""
    from .admission import CONFLICT, OK_RESULTS, TONES, decision_time

    offline = local_result is not None
    at = decision_time(scanned_at, now) if offline else now
    code = verify_pass(payload_text, keyring)
    try:
        with transaction() as session:
            stored = session.execute(
                select(Scan.id, Scan.response).where(Scan.client_scan_id == client_scan_id)
            ).first()
            if stored is not None:
                return stored.response, stored.id, True
            connection = session.connection()
            found = (
                connection.execute(
                    select(
                        StandbyPass.id,
                        StandbyPass.number,
                        StandbyPass.name,
                        StandbyPass.code,
                        StandbyPass.admitted_at,
                        StandbyPass.admitted_gate,
                        StandbyPass.inside,
                        Show.id.label("show_id"),
                        Show.slug,
                        Show.title_vi,
                        Show.title_en,
                        Show.doors_open_at,
                        Show.ends_at,
                        Show.reentry_allowed,
                        StandbyLine.called_up_to,
                    )
                    .join(Show, Show.id == StandbyPass.show_id)
                    .join(StandbyLine, StandbyLine.show_id == Show.id)
                    .where(StandbyPass.code == code)
                    .with_for_update(of=StandbyPass)
                ).first()
                if code
                else None
            )
            show_id = (
                found.show_id if found else session.scalar(select(Show.id).where(Show.slug == show_slug))
            )
            if offline and local_result not in OK_RESULTS:
                # The phone turned the person away: nothing to change, only to remember.
                result, extra = (local_result if code else "invalid"), dict[str, object]()
            else:
                result, extra = _decide(connection, found, show_slug, direction, at, gate, show_day_end)
                if found is None and code:
                    # Genuine but not in the line (as a ticket that is not in the system).
                    result = "unknown"
                if offline and direction == "in" and result not in OK_RESULTS:
                    # The person was let in: not a refusal but a conflict, for an organiser to review.
                    reason = "already_admitted" if result == "already_inside" else result
                    result, extra = CONFLICT, {"conflict": reason, **extra}
            response = {
                "result": result,
                "ok": result in OK_RESULTS,
                "tone": TONES.get(result or "invalid", "red"),
                **extra,
            }
            if found is not None:
                response["ticket"] = {
                    "code": found.code,
                    "name": found.name,
                    "show": found.slug,
                    "show_title": {"vi": found.title_vi, "en": found.title_en},
                }
                response["standby"] = {"number": found.number, "called_up_to": found.called_up_to}
                if result in ("already_inside", "reentered", CONFLICT) and found.admitted_at is not None:
                    response["first_admitted_at"] = to_local(found.admitted_at).strftime("%H:%M")
                    response["first_gate"] = found.admitted_gate
            scan_id = connection.execute(
                insert(Scan).values(
                    client_scan_id=client_scan_id,
                    staff_id=staff_id,
                    ticket_id=None,
                    show_id=show_id,
                    gate=gate,
                    direction=direction,
                    result=result,
                    method="standby" if method == "qr" else method,
                    scanned_at=scanned_at if offline and scanned_at is not None else now,
                    recorded_at=now,
                    response=response,
                    offline=offline,
                    in_history=False,
                )
            ).inserted_primary_key[0]
            return response, scan_id, False
    except IntegrityError:
        with transaction() as session:
            stored = session.execute(
                select(Scan.id, Scan.response).where(Scan.client_scan_id == client_scan_id)
            ).first()
        if stored is None:
            raise
        return stored.response, stored.id, True


def _decide(connection, found, show_slug, direction, now, gate, show_day_end) -> tuple[str, dict]:
    if found is None:
        return "invalid", {}
    if show_slug and found.slug != show_slug:
        return "wrong_show", {}
    if direction == "out":
        if not found.inside or connection.execute(_LEAVING, {"pass_id": found.id}).rowcount == 0:
            return "not_inside", {}
        places.give_to_show(connection, found.show_id)
        return "exited", {}
    if now < found.doors_open_at:
        doors = to_local(found.doors_open_at)
        return "not_open", {
            "doors_open_at": doors.strftime("%H:%M"),
            "doors_open_on": doors.strftime("%d/%m"),
        }
    if now >= show_day_end(found):
        return "not_open", {"show_over": True}
    if found.admitted_at is not None:
        if (
            found.reentry_allowed
            and not found.inside
            and connection.execute(_REENTRY, {"pass_id": found.id}).rowcount == 1
        ):
            if places.take_from_show(connection, found.show_id, keep=_KEPT):
                return "reentered", {}
            connection.execute(_LEAVING, {"pass_id": found.id})
            return "venue_full", {}
        return "already_inside", {}
    if connection.execute(_FIRST_ENTRY, {"pass_id": found.id, "at": now, "gate": gate}).rowcount == 0:
        return "not_open", {"standby_not_called": True}
    if not places.take_from_show(connection, found.show_id, keep=_KEPT):
        connection.execute(_UNDO_ENTRY, {"pass_id": found.id})
        return "venue_full", {}
    return "admitted", {}
