"""Shows: the festival's seed, registration windows, and organisers' changes to limits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from .database import transaction
from .errors import Conflict, InvalidInput, NotFound
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


@dataclass(frozen=True)
class _SeedShow:
    slug: str
    title_vi: str
    title_en: str
    day_offset: int
    doors: time
    starts: time
    ends: time
    ticket_quota: int
    venue_capacity: int


FESTIVAL = (
    _SeedShow("minishow", "Minishow tài năng học đường", "School talent minishow",
              0, time(14, 0), time(14, 30), time(17, 30), 2000, 1500),
    _SeedShow("gala", 'Gala âm nhạc "Không Một Mình"', 'Music gala "Không Một Mình"',
              1, time(18, 30), time(19, 30), time(22, 30), 5000, 4000),
)


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
                slug=spec.slug, title_vi=spec.title_vi, title_en=spec.title_en, venue=VENUE,
                doors_open_at=doors,
                starts_at=to_utc(datetime.combine(day, spec.starts)),
                ends_at=to_utc(datetime.combine(day, spec.ends)),
                ticket_quota=spec.ticket_quota, venue_capacity=spec.venue_capacity,
                issued_count=0, inside_count=0, reentry_allowed=False,
                registration_open=True, registration_opens_at=now, registration_closes_at=doors,
                waitlist_cutoff_minutes=120,
            )
            show.gates = [Gate(label=label, position=i) for i, label in enumerate(DEFAULT_GATES)]
            session.add(show)
            created.append(spec.slug)
    return created


def update_show(slug: str, *, now: datetime, ticket_quota: int | None = None,
                venue_capacity: int | None = None, registration: str | None = None,
                doors_open_at: datetime | None = None, starts_at: datetime | None = None) -> Show:
    """Changes a show's limits and times. A quota below the tickets already issued is refused
    by a conditional UPDATE, so a registration racing the change cannot slip past it."""
    errors = {}
    if ticket_quota is not None and ticket_quota < 0:
        errors["ticket_quota"] = "not_negative"
    if venue_capacity is not None and venue_capacity < 0:
        errors["venue_capacity"] = "not_negative"
    if registration not in (None, "open", "closed"):
        errors["registration"] = "invalid_choice"
    if errors:
        raise InvalidInput(errors)
    with transaction() as session:
        show = get_show(session, slug)
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
        if venue_capacity is not None:
            show.venue_capacity = venue_capacity
        if doors_open_at is not None:
            show.doors_open_at = doors_open_at
        if starts_at is not None:
            show.starts_at = starts_at
        if registration == "open":
            show.registration_open = True
            show.registration_opens_at = min(show.registration_opens_at, now)
            if show.registration_closes_at <= now:
                show.registration_closes_at = max(show.doors_open_at, now + timedelta(hours=1))
        elif registration == "closed":
            show.registration_open = False
    return show
