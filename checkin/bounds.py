"""What the database can hold and what a date may sanely be: the limits every entry point
checks (the API's schemas, the forms, the CLI and the domain's own validators)."""

from __future__ import annotations

from datetime import date, datetime

# The widest an INTEGER column holds on both databases (PostgreSQL's int4); SQLite's own
# 64-bit limit is wider, but a value that one backend refuses is refused on both.
INT_MAX = 2**31 - 1
# A show, a registration window, a scan or a filter's day lies in this century: year 9999
# overflows every "+ 1 day" the gate computes, year 1 with +14:00 overflows the move to UTC.
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 1, 1)


def int_in_range(value: int, minimum: int = 0) -> bool:
    return minimum <= value <= INT_MAX


def sane_datetime(value: datetime) -> bool:
    """Its wall time, offset or not, lies between EARLIEST and LATEST (checked before any move
    to UTC, which could overflow)."""
    return EARLIEST <= value.replace(tzinfo=None) < LATEST


def sane_date(value: date) -> bool:
    return EARLIEST.date() <= value < LATEST.date()


def is_clean(value: str) -> bool:
    """No NUL (PostgreSQL text cannot hold it), no lone surrogate (a JSON "\\ud800" decodes to
    one; UTF-8 cannot encode it)."""
    return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)
