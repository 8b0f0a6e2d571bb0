"""The API's field types: what a string, a number or a date-time may be at the door.

Each type states the database column's limits (length, integer range, sane dates), refuses NUL
and lone surrogates (neither PostgreSQL nor UTF-8 can store them), and carries its own JSON
Schema, so the OpenAPI document says exactly what the validation does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from ..bounds import EARLIEST, INT_MAX, LATEST, is_clean, sane_datetime

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"


def _clean(value: str) -> str:
    if not is_clean(value):
        raise PydanticCustomError("control_characters", "NUL or a lone surrogate")
    return value


def _trimmed(value: str) -> str:
    value = _clean(value).strip()
    if not value:
        raise PydanticCustomError("string_too_short", "blank")
    return value


def text(max_length: int, *, min_length: int = 1, pattern: str | None = None):
    """A JSON string of min_length..max_length characters (the column's size), then trimmed:
    the length is the sent one's, as the document says, and blank is missing."""
    return Annotated[
        str,
        StringConstraints(strict=True, min_length=min_length, max_length=max_length, pattern=pattern),
        AfterValidator(_trimmed if min_length else lambda value: _clean(value).strip()),
    ]


def raw_text(max_length: int, *, min_length: int = 0):
    """A JSON string kept as typed (the domain normalises it, e.g. a phone number's spaces)."""
    return Annotated[
        str,
        StringConstraints(strict=True, min_length=min_length, max_length=max_length),
        AfterValidator(_clean),
    ]


def integer(minimum: int = 0, maximum: int = INT_MAX):
    return Annotated[int, Field(strict=True, ge=minimum, le=maximum)]


def _iso_string(value):
    # A number would otherwise be read as a Unix time, and nobody sends a scan time that way.
    if not isinstance(value, str) or len(value) > 40:
        raise PydanticCustomError("invalid_datetime", "an ISO 8601 date-time")
    return value


def bounded_utc(value: datetime) -> datetime:
    """Naive UTC, as the database holds it; a wall time outside 2000..2100 is refused before
    the move to UTC, which could overflow at year 1 or 9999."""
    if not sane_datetime(value):
        raise PydanticCustomError("out_of_range", "between 2000 and 2100")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if not EARLIEST <= value < LATEST:
        raise PydanticCustomError("out_of_range", "between 2000 and 2100")
    return value


# A device time without an offset is taken as UTC, which is what Date.toISOString() sends.
UtcDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_string),
    AfterValidator(bounded_utc),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601, between 2000 and 2100; UTC when it has no offset",
        }
    ),
]
