"""Shows: the festival's seed, registration windows, organisers' changes to a show, its gates."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from . import audit, places, waitlist
from .bounds import int_in_range, is_clean, sane_datetime
from .database import transaction
from .errors import Conflict, Duplicate, InvalidInput, NotFound
from .festival import FESTIVAL
from .models import Gate, Show

FESTIVAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VENUE = "Quảng trường Đông Kinh Nghĩa Thục (phố đi bộ Hồ Hoàn Kiếm), Hà Nội"
DEFAULT_GATES = ("Cổng A – Đinh Tiên Hoàng", "Cổng B – Hàng Khay", "Cổng C – Lê Thái Tổ")


def to_utc(local: datetime) -> datetime:
    """A festival-local wall time (naive or aware) to naive UTC for the database."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=FESTIVAL_TZ)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def to_local(utc: datetime) -> datetime:
    return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(FESTIVAL_TZ)


class _HasEnd(Protocol):
    @property
    def ends_at(self) -> datetime: ...


def show_day_end(show: _HasEnd) -> datetime:
    """Midnight (festival time) after the show ends: a gate admits until then."""
    local_end = to_local(show.ends_at)
    return to_utc(datetime.combine(local_end.date() + timedelta(days=1), time(0)))


def registration_state(show: Show, now: datetime) -> str:
    """'open', 'full', 'not_yet' or 'closed', for pages and the API alike."""
    if not show.registration_open or now >= show.registration_closes_at:
        return "closed"
    if now < show.registration_opens_at:
        return "not_yet"
    if show.issued_count >= show.ticket_quota:
        return "full"
    return "open"


def registration_is_open(show: Show, now: datetime) -> bool:
    return registration_state(show, now) in ("open", "full")


def list_shows(session) -> list[Show]:
    return list(session.scalars(select(Show).order_by(Show.starts_at, Show.id)))


def get_show(session, slug: str) -> Show:
    show = session.scalar(select(Show).where(Show.slug == slug))
    if show is None:
        raise NotFound()
    return show


def gates_of(session, show_id: int) -> list[Gate]:
    """The show's gates in the order the organiser set."""
    return list(session.scalars(select(Gate).where(Gate.show_id == show_id).order_by(Gate.position, Gate.id)))


def find_gate(session, show_slug: str, label: str) -> Gate | None:
    """The gate of this label at this show (its show is gate.show), if both exist."""
    return session.scalar(select(Gate).join(Show).where(Show.slug == show_slug, Gate.label == label))


_SHOW_ROW = select(*Show.__table__.columns).where(Show.slug == bindparam("slug"))


def detached_show(session, slug: str) -> tuple[Show, dict]:
    """The show's row as a Show outside the session, for a page to read (the ORM's loading
    machinery cost a sixth of the registration page), and the row itself."""
    row = session.connection().execute(_SHOW_ROW, {"slug": slug}).one_or_none()
    if row is None:
        raise NotFound()
    return Show(**row._mapping), dict(row._mapping)


def next_festival_day(now: datetime) -> date:
    """1 November of the next festival that has not yet ended (day 2 is 2 November)."""
    local_today = to_local(now).date()
    year = local_today.year if local_today <= date(local_today.year, 11, 2) else local_today.year + 1
    return date(year, 11, 1)


def seed_festival(now: datetime) -> list[str]:
    """Creates the two shows with their gates; returns the slugs created (none the second time)."""
    first_day = next_festival_day(now)
    created = []
    with transaction() as session:
        for spec in FESTIVAL:
            if session.scalar(select(Show.id).where(Show.slug == spec.slug)) is not None:
                continue
            day = first_day + timedelta(days=spec.day_offset)
            doors = to_utc(datetime.combine(day, spec.doors))
            show = Show(
                slug=spec.slug,
                title_vi=spec.title_vi,
                title_en=spec.title_en,
                venue=VENUE,
                programme_vi=spec.programme_vi,
                programme_en=spec.programme_en,
                doors_open_at=doors,
                starts_at=to_utc(datetime.combine(day, spec.starts)),
                ends_at=to_utc(datetime.combine(day, spec.ends)),
                ticket_quota=spec.ticket_quota,
                venue_capacity=spec.venue_capacity,
                issued_count=0,
                places_taken=0,
                reentry_allowed=False,
                registration_open=True,
                registration_opens_at=now,
                registration_closes_at=doors,
                waitlist_cutoff_minutes=120,
            )
            show.gates = [Gate(label=label, position=i) for i, label in enumerate(DEFAULT_GATES)]
            session.add(show)
            created.append(spec.slug)
    return created


# The fields an organiser may set on a show (the counters are the domain's alone).
SHOW_FIELDS = (
    "title_vi",
    "title_en",
    "venue",
    "doors_open_at",
    "starts_at",
    "ends_at",
    "ticket_quota",
    "venue_capacity",
    "reentry_allowed",
    "registration_opens_at",
    "registration_closes_at",
    "waitlist_cutoff_minutes",
    "offline_names",
    "programme_vi",
    "programme_en",
    "retention_days",
)
SHOW_TIMES = ("doors_open_at", "starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
# Fields a new show may leave out, and what they then are.
SHOW_DEFAULTS = {"offline_names": False, "programme_vi": "", "programme_en": "", "retention_days": 90}
PROGRAMME_MAX = 2000
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def show_values(show: Show) -> dict:
    """What the audit log records of a show, before and after a change."""
    values = {name: getattr(show, name) for name in SHOW_FIELDS}
    values["registration_open"] = show.registration_open
    return values


def _field_errors(changes: dict) -> dict[str, str]:
    errors = {}
    for name in ("title_vi", "title_en", "venue"):
        if name in changes:
            text = (changes[name] or "").strip()
            if not text:
                errors[name] = "required"
            elif not is_clean(text):
                errors[name] = "control_characters"
            elif len(text) > (300 if name == "venue" else 200):
                errors[name] = "too_long"
            changes[name] = text
    for name in ("ticket_quota", "venue_capacity", "waitlist_cutoff_minutes", "retention_days"):
        if name in changes and (
            not isinstance(changes[name], int) or isinstance(changes[name], bool) or changes[name] < 0
        ):
            errors[name] = "not_negative"
        elif name in changes and not int_in_range(changes[name]):
            errors[name] = "out_of_range"
    for name in SHOW_TIMES:
        if name in changes and changes[name] is not None:
            if not isinstance(changes[name], datetime) or changes[name].tzinfo is not None:
                errors[name] = "invalid_datetime"  # naive UTC, as the database holds it
            elif not sane_datetime(changes[name]):
                errors[name] = "date_out_of_range"
    for name in ("programme_vi", "programme_en"):
        if name in changes:
            text = "\n".join(line.rstrip() for line in (changes[name] or "").strip().splitlines())
            if len(text) > PROGRAMME_MAX:
                errors[name] = "too_long"
            changes[name] = text
    # A strict bool: "no" or 0 from some other entry point must not read as a choice.
    if "offline_names" in changes and not isinstance(changes["offline_names"], bool):
        errors["offline_names"] = "invalid_choice"
    return errors


def _order_errors(show: Show) -> dict[str, str]:
    """The times must follow each other: registration closes after it opens, the show starts
    no earlier than the doors open and ends after it starts."""
    errors = {}
    if show.starts_at < show.doors_open_at:
        errors["starts_at"] = "before_doors"
    if show.ends_at <= show.starts_at:
        errors["ends_at"] = "before_start"
    if show.registration_closes_at <= show.registration_opens_at:
        errors["registration_closes_at"] = "before_opening"
    return errors


def create_show(values: dict, *, now: datetime, actor=None, gates=DEFAULT_GATES) -> Show:
    """A new show, closed counters, with the given gates. Raises InvalidInput or Duplicate."""
    values = {name: values.get(name, SHOW_DEFAULTS.get(name)) for name in SHOW_FIELDS} | {
        "slug": (values.get("slug") or "").strip()
    }
    errors = _field_errors(values)
    if not _SLUG_RE.match(values["slug"]):
        errors["slug"] = "invalid_slug"
    errors.update({name: "required" for name in SHOW_FIELDS if values[name] is None and name not in errors})
    if errors:
        raise InvalidInput(errors)
    show = Show(**values, issued_count=0, places_taken=0, registration_open=True)
    if errors := _order_errors(show):
        raise InvalidInput(errors)
    show.gates = [Gate(label=_gate_label(label), position=i) for i, label in enumerate(gates)]
    try:
        with transaction() as session:
            session.add(show)
            session.flush()
            audit.record(session, actor, "show.create", "show", show.slug, None, show_values(show), now)
    except IntegrityError:
        raise Duplicate("show slug taken") from None
    return show


def update_show(slug: str, *, now: datetime, actor=None, registration: str | None = None, **changes) -> Show:
    """Changes a show's fields (any of SHOW_FIELDS; None leaves one as it is) and opens or
    closes registration now. A quota below the tickets already issued is refused by a
    conditional UPDATE, so a registration racing the change cannot slip past it."""
    unknown = set(changes) - set(SHOW_FIELDS)
    if unknown:
        raise TypeError(f"not a show field: {', '.join(sorted(unknown))}")
    changes = {name: value for name, value in changes.items() if value is not None}
    errors = _field_errors(changes)
    if registration not in (None, "open", "closed"):
        errors["registration"] = "invalid_choice"
    if errors:
        raise InvalidInput(errors)
    with transaction() as session:
        show = get_show(session, slug)
        before = show_values(show)
        ticket_quota = changes.pop("ticket_quota", None)
        if ticket_quota is not None:
            changed = session.execute(
                update(Show)
                .where(Show.id == show.id, Show.issued_count <= ticket_quota)
                .values(ticket_quota=ticket_quota)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not changed:
                raise Conflict("quota below issued tickets")
            session.expire(show)
        if "venue_capacity" in changes:
            # Places held for admissions (checkin/places.py) go back to the show, so that the
            # new capacity bounds every place there is.
            places.release_held(session.connection(), show.id)
            session.expire(show)
        for name, value in changes.items():
            setattr(show, name, value)
        if registration == "open":
            show.registration_open = True
            show.registration_opens_at = min(show.registration_opens_at, now)
            if show.registration_closes_at <= now:
                show.registration_closes_at = max(show.doors_open_at, now + timedelta(hours=1))
        elif registration == "closed":
            show.registration_open = False
        if errors := _order_errors(show):
            raise InvalidInput(errors)
        # A higher quota, or doors moved later past the waitlist's cut-off, frees seats now.
        waitlist.promote(session, show, now)
        after = show_values(show)
        if after != before:
            audit.record(
                session,
                actor,
                "show.update",
                "show",
                show.slug,
                {k: v for k, v in before.items() if after[k] != v},
                {k: v for k, v in after.items() if before[k] != v},
                now,
            )
    return show


def _gate_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise InvalidInput({"label": "required"})
    if len(label) > 40:
        raise InvalidInput({"label": "too_long"})
    if not is_clean(label):
        raise InvalidInput({"label": "control_characters"})
    return label


def add_gate(slug: str, label: str, *, now: datetime, actor=None) -> Gate:
    label = _gate_label(label)
    try:
        with transaction() as session:
            show = get_show(session, slug)
            position = session.scalar(
                select(func.coalesce(func.max(Gate.position), -1) + 1).where(Gate.show_id == show.id)
            )
            gate = Gate(show_id=show.id, label=label, position=position)
            session.add(gate)
            session.flush()
            audit.record(session, actor, "gate.add", "show", slug, None, {"gate": label}, now)
    except IntegrityError:
        raise Duplicate("gate label taken") from None
    return gate


def _show_gate(session, slug: str, gate_id: int) -> Gate:
    gate = session.scalar(select(Gate).join(Show).where(Show.slug == slug, Gate.id == gate_id))
    if gate is None:
        raise NotFound()
    return gate


def rename_gate(slug: str, gate_id: int, label: str, *, now: datetime, actor=None) -> Gate:
    """Scans keep the label they were made with; the new label counts from now on."""
    label = _gate_label(label)
    try:
        with transaction() as session:
            gate = _show_gate(session, slug, gate_id)
            before = gate.label
            gate.label = label
            session.flush()
            audit.record(session, actor, "gate.rename", "show", slug, {"gate": before}, {"gate": label}, now)
    except IntegrityError:
        raise Duplicate("gate label taken") from None
    return gate


def remove_gate(slug: str, gate_id: int, *, now: datetime, actor=None) -> None:
    with transaction() as session:
        gate = _show_gate(session, slug, gate_id)
        audit.record(session, actor, "gate.remove", "show", slug, {"gate": gate.label}, None, now)
        session.delete(gate)
