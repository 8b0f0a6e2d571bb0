"""How pages write values: dates as each language writes them: "Thứ Hai, 01/11/2027" in Vietnamese (day and month with
two digits, as on forms and tickets here), "Monday, 1 November 2027" in English. Times are the
festival's (Flask-Babel's default time zone)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime

from ..database import utcnow
from ..personal_data import GUARDIAN_AGE
from ..tickets import format_code
from .locale import current_locale

DAY_PATTERNS = {"vi": "EEEE, dd/MM/y", "en": "EEEE, d MMMM y"}
SHORT_PATTERNS = {"vi": "HH:mm, dd/MM", "en": "HH:mm, d MMM"}


def day(value: datetime) -> str:
    return format_datetime(value, DAY_PATTERNS.get(current_locale(), DAY_PATTERNS["vi"]))


def short(value: datetime) -> str:
    return format_datetime(value, SHORT_PATTERNS.get(current_locale(), SHORT_PATTERNS["vi"]))


def adult_years_pattern(now: datetime | None = None) -> str:
    """An HTML pattern that matches the birth years of people who are surely 16 or more this
    year (personal_data.needs_guardian is false), so that CSS can keep the guardian's fields
    out of an adult's way without a script (:valid), as register.js does with one."""
    now = now or utcnow()
    return "|".join(str(year) for year in range(1900, now.year - GUARDIAN_AGE))


def masked_email(address: str) -> str:
    """Enough of an address for its owner to recognise it on a screen others may see:
    "ha.dang@example.com" -> "h•••g@example.com"."""
    local, _, domain = (address or "").partition("@")
    if not domain:
        return "•••"
    shown = local[0] + "•••" + local[-1] if len(local) > 2 else local[:1] + "•••"
    return f"{shown}@{domain}"


def register(app: Flask) -> None:
    app.add_template_filter(masked_email)
    app.add_template_filter(format_code, "ticket_code")
    app.add_template_filter(day, "show_day")
    app.add_template_filter(short, "short_datetime")
    app.add_template_global(adult_years_pattern)
