"""The API's field types: what a string, a number or a date-time may be at the door.

Each type states the database column's limits (length, integer range, sane dates), refuses NUL
and lone surrogates (neither PostgreSQL nor UTF-8 can store them), and carries its own JSON
Schema, so the OpenAPI document says exactly what the validation does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import GroupedMetadata
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


@dataclass(frozen=True)
class _Text(GroupedMetadata):
    """Metadata for Annotated[str, ...]: a JSON string of its length limits, then cleaned."""

    max_length: int
    min_length: int
    pattern: str | None
    trim: bool

    def __iter__(self) -> Iterator[Any]:
        # Pydantic expands one level of grouped metadata: the constraints' own items go in flat.
        yield from StringConstraints(
            strict=True, min_length=self.min_length, max_length=self.max_length, pattern=self.pattern
        )
        if not self.trim:
            yield AfterValidator(_clean)
        elif self.min_length:
            yield AfterValidator(_trimmed)
        else:
            yield AfterValidator(lambda value: _clean(value).strip())


def text(max_length: int, *, min_length: int = 1, pattern: str | None = None) -> _Text:
    """Annotated[str, text(n)]: a JSON string of min_length..max_length characters (the column's
    size), then trimmed: the length is the sent one's, as the document says, and blank is missing."""
    return _Text(max_length, min_length, pattern, trim=True)


def raw_text(max_length: int, *, min_length: int = 0) -> _Text:
    """Annotated[str, raw_text(n)]: a JSON string kept as typed (the domain normalises it, e.g. a
    phone number's spaces)."""
    return _Text(max_length, min_length, None, trim=False)


def integer(minimum: int = 0, maximum: int = INT_MAX) -> Any:
    """Annotated[int, integer(a, b)]. (Any: pydantic's Field() is typed to be the field's value.)"""
    return Field(strict=True, ge=minimum, le=maximum)


def _iso_string(value: object) -> str:
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
