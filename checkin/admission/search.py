"""Finding tickets by what a person says at a desk or a gate: a code, a phone number, a name
(without case or diacritics: "nguyen van duc" finds "Nguyễn Văn Đức"), an e-mail address.

One reading of the query, shared by the gate's hand lookup (checkin/gate_lookup.py) and the
organisers' attendee search (checkin/attendees.py), so both find a ticket the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_

from ..folding import fold, folded, like_pattern
from ..models import Ticket
from ..personal_data import normalize_phone
from ..tickets import parse_code

KINDS = ("code", "phone", "name", "email")


@dataclass(frozen=True)
class Query:
    """A search text read every way it can be: each part None when the text cannot be one."""

    text: str
    code: str | None
    phone: str | None
    name: str  # folded

    @property
    def digits(self) -> int:
        return sum(ch.isdigit() for ch in self.text)

    @property
    def letters(self) -> int:
        return sum(ch.isalpha() for ch in self.name)


def read_query(text: str | None) -> Query:
    text = (text or "").strip()
    phone = normalize_phone(text, {}) if any(ch.isdigit() for ch in text) else None
    return Query(text, parse_code(text), phone, fold(text) or "")


def conditions(query: Query, kinds: Iterable[str]) -> list[ColumnElement[bool]]:
    """The conditions a ticket meets to match the query in any of these ways."""
    found: list[ColumnElement[bool]] = []
    for kind in kinds:
        if kind == "name" and query.text:
            found.append(folded(Ticket.name).like(like_pattern(query.name), escape="\\"))
        elif kind == "email" and query.text:
            # E-mail addresses are stored in lower case.
            found.append(Ticket.email.like(like_pattern(query.text.lower()), escape="\\"))
        elif kind == "code" and query.code:
            found.append(Ticket.code == query.code)
        elif kind == "phone" and query.phone:
            found.append(Ticket.phone == query.phone)
        elif kind not in KINDS:
            raise ValueError(f"unknown kind of search {kind!r}")
    return found


def matching(query: Query, kinds: Iterable[str]) -> ColumnElement[bool] | None:
    """One condition: the ticket matches the query in any of these ways (None: no way can)."""
    found = conditions(query, kinds)
    return or_(*found) if found else None
