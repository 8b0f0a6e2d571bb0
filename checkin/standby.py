"""The standby line: people without a ticket take a number at the venue and are let in as places
free up under the venue's capacity.

- Numbers: the line's `last_number` is bumped by an UPDATE in the pass's own transaction (the
  row stays locked until commit), so numbers are given in order with no gap and no duplicate
  however many join at once; a failed join rolls its number back with it.
- Calling: once standby admission has started (at the organiser's time, or when fewer than K
  ticket holders are still expected), every free place under the capacity, less the places
  kept for late ticket holders and the numbers called but not yet in, calls the next number.
  `called_up_to` only grows.
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
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import audit, places, tickets
from .database import transaction
from .errors import Duplicate, InvalidInput, NotFound
from .models import Scan, Show, StandbyLine, StandbyPass, Ticket
from .personal_data import normalize_name, normalize_phone
from .shows import get_show, show_day_end, to_local
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


@dataclass(frozen=True)
class Joined:
    number: int
    code: str
    token: str


def _line(session, show_id: int, *, lock: bool = False) -> StandbyLine:
    """The show's line, created on first use (two first uses at once: one insert wins)."""
    query = select(StandbyLine).where(StandbyLine.show_id == show_id)
    if lock:
        query = query.with_for_update()
    found = session.scalars(query.execution_options(populate_existing=True)).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.execute(
                insert(StandbyLine).values(show_id=show_id, last_number=0, called_up_to=0, kept_places=0)
            )
    except IntegrityError:
        pass
    return session.scalars(query.execution_options(populate_existing=True)).one()


def join(slug: str, values: dict, *, now: datetime, staff_id: int | None = None) -> Joined:
    """A number in the line for a name and a phone (one per phone per show: a second join with
    the same phone is Duplicate, saying nothing about the first)."""
    errors: dict[str, str] = {}
    name = normalize_name(values.get("name"), "name", errors)
    phone = normalize_phone(values.get("phone"), errors)
    if errors:
        raise InvalidInput(errors)
    code, token = tickets.new_code(), tickets.new_token()
    try:
        with transaction() as session:
            show = get_show(session, slug)
            if now >= show.ends_at:
                raise NotFound()
            _line(session, show.id)
            session.execute(
                update(StandbyLine)
                .where(StandbyLine.show_id == show.id)
                .values(last_number=StandbyLine.last_number + 1)
                .execution_options(synchronize_session=False)
            )
            number = session.scalar(select(StandbyLine.last_number).where(StandbyLine.show_id == show.id))
            session.execute(
                insert(StandbyPass).values(
                    show_id=show.id,
                    number=number,
                    code=code,
                    token=token,
                    name=name,
                    phone=phone,
                    created_at=now,
                    added_by_id=staff_id,
                    inside=False,
                )
            )
    except IntegrityError:
        raise Duplicate() from None
    return Joined(number, code, token)


def pass_by_token(session, token: str) -> StandbyPass:
    found = (
        session.scalar(select(StandbyPass).where(StandbyPass.token == token))
        if isinstance(token, str)
        else None
    )
    if found is None:
        raise NotFound()
    return found


def configure(
    slug: str,
    *,
    now: datetime,
    starts_at: datetime | None,
    below_expected: int | None,
    kept_places: int,
    actor=None,
) -> StandbyLine:
    if kept_places < 0 or (below_expected is not None and below_expected < 0):
        raise InvalidInput({"kept_places" if kept_places < 0 else "below_expected": "not_negative"})
    with transaction() as session:
        show = get_show(session, slug)
        line = _line(session, show.id, lock=True)
        before = {
            "starts_at": line.admission_starts_at and line.admission_starts_at.isoformat(),
            "below_expected": line.start_below_expected,
            "kept_places": line.kept_places,
        }
        line.admission_starts_at, line.start_below_expected, line.kept_places = (
            starts_at,
            below_expected,
            kept_places,
        )
        if actor is not None:
            audit.record(
                session,
                actor,
                "standby.configure",
                "show",
                show.slug,
                before,
                {
                    "starts_at": starts_at and starts_at.isoformat(),
                    "below_expected": below_expected,
                    "kept_places": kept_places,
                },
                now,
            )
        session.flush()
        return line


def _expected(session, show_id: int) -> int:
    """Ticket holders still expected: issued and not yet admitted."""
    return session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.show_id == show_id, Ticket.status == "issued", Ticket.admitted_at.is_(None))
    )


def started(session, line: StandbyLine, now: datetime) -> bool:
    if line.admission_starts_at is not None and now >= line.admission_starts_at:
        return True
    return (
        line.start_below_expected is not None and _expected(session, line.show_id) < line.start_below_expected
    )


def call(slug: str, *, now: datetime) -> int:
    """Calls as many numbers as there are free places (see the module docstring); returns the
    number called up to. Run by the worker on every pass; safe to run anywhere, any time."""
    with transaction() as session:
        show = get_show(session, slug)
        line = _line(session, show.id, lock=True)
        if now >= show.ends_at or not started(session, line, now):
            return line.called_up_to
        waiting_inside = session.scalar(
            select(func.count())
            .select_from(StandbyPass)
            .where(
                StandbyPass.show_id == show.id,
                StandbyPass.number <= line.called_up_to,
                StandbyPass.admitted_at.is_(None),
            )
        )
        room = show.venue_capacity - line.kept_places - show.inside_count - waiting_inside
        target = min(line.last_number, line.called_up_to + max(room, 0))
        if target > line.called_up_to:
            session.execute(
                update(StandbyLine)
                .where(StandbyLine.show_id == show.id, StandbyLine.called_up_to < target)
                .values(called_up_to=target)
                .execution_options(synchronize_session=False)
            )
        return max(target, line.called_up_to)


def call_all(now: datetime) -> int:
    with transaction() as session:
        slugs = session.scalars(
            select(Show.slug)
            .join(StandbyLine, StandbyLine.show_id == Show.id)
            .where(Show.ends_at > now, StandbyLine.last_number > StandbyLine.called_up_to)
        ).all()
    return sum(1 for slug in slugs if call(slug, now=now))


@dataclass(frozen=True)
class Board:
    issued: int
    called_up_to: int
    admitted: int
    inside: int
    started: bool

    def to_json(self) -> dict:
        return {
            "issued": self.issued,
            "called_up_to": self.called_up_to,
            "admitted": self.admitted,
            "inside": self.inside,
            "started": self.started,
        }


def board(session, show: Show, now: datetime) -> Board | None:
    line = session.scalar(select(StandbyLine).where(StandbyLine.show_id == show.id))
    if line is None:
        return None
    admitted, inside = session.execute(
        select(
            func.count(StandbyPass.admitted_at),
            func.coalesce(func.sum(func.cast(StandbyPass.inside, Integer)), 0),
        ).where(StandbyPass.show_id == show.id)
    ).one()
    return Board(line.last_number, line.called_up_to, int(admitted), int(inside), started(session, line, now))


# The gate. A place inside is taken from the show's capacity (places_taken, which counts the
# places held for ticket admissions too: checkin/places.py, so those go back to the show
# first), only below capacity less the kept places.
_TAKE_PLACE = (
    update(Show)
    .where(
        Show.id == bindparam("show"),
        Show.places_taken
        < Show.venue_capacity
        - select(StandbyLine.kept_places).where(StandbyLine.show_id == Show.id).scalar_subquery(),
    )
    .values(places_taken=Show.places_taken + 1)
)
_GIVE_PLACE = (
    update(Show)
    .where(Show.id == bindparam("show"), Show.places_taken > 0)
    .values(places_taken=Show.places_taken - 1)
)
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
        connection.execute(_GIVE_PLACE, {"show": found.show_id})
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
            places.release_held(connection, found.show_id)
            if connection.execute(_TAKE_PLACE, {"show": found.show_id}).rowcount == 1:
                return "reentered", {}
            connection.execute(_LEAVING, {"pass_id": found.id})
            return "venue_full", {}
        return "already_inside", {}
    if connection.execute(_FIRST_ENTRY, {"pass_id": found.id, "at": now, "gate": gate}).rowcount == 0:
        return "not_open", {"standby_not_called": True}
    places.release_held(connection, found.show_id)
    if connection.execute(_TAKE_PLACE, {"show": found.show_id}).rowcount == 0:
        connection.execute(_UNDO_ENTRY, {"pass_id": found.id})
        return "venue_full", {}
    return "admitted", {}
