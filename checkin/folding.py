"""Matching typed names: case and Vietnamese diacritics ignored ("nguyen van duc" finds
"Nguyễn Văn Đức"), as people type fast, often without a Vietnamese keyboard.

fold() does it in Python (the typed text); folded() in SQL (the stored names), so that a
search runs in the database: SQLite calls fold() itself, registered on every connection
(database.py); PostgreSQL translates each letter of the Vietnamese alphabet to what fold()
makes of it, in C. The two agree on every Vietnamese letter (tests/test_folding.py).
"""

from __future__ import annotations

import unicodedata
from typing import Any, overload

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

SQLITE_FUNCTION = "checkin_fold"


@overload
def fold(text: str) -> str: ...
@overload
def fold(text: None) -> None: ...
def fold(text: str | None) -> str | None:
    if text is None:  # SQL NULL, when SQLite calls it
        return None
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("đ", "d").split())


def like_pattern(text: str) -> str:
    """`%text%` for LIKE ... ESCAPE '\\', with the typed text's own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _vietnamese_letters() -> str:
    """Every letter fold() changes in Vietnamese, in both cases: the 12 vowels under each of the
    5 tone marks (and none), and Đ."""
    tones = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    lower = {unicodedata.normalize("NFC", vowel + tone) for vowel in "aăâeêioôơuưy" for tone in tones} | {"đ"}
    letters = lower | {letter.upper() for letter in lower}
    return "".join(sorted(letter for letter in letters if fold(letter) != letter.lower()))


_FROM = _vietnamese_letters()
_TO = "".join(fold(letter) for letter in _FROM)
if len(_TO) != len(_FROM):  # translate() maps one character to one
    raise RuntimeError("a Vietnamese letter folds to more than one character")


class folded(GenericFunction[str]):  # noqa: N801 - an SQL function's name, lower case as in SQL
    """fold() of a column, in SQL."""

    type = String()
    name = SQLITE_FUNCTION
    inherit_cache = True


@compiles(folded, "postgresql")
def _folded_on_postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    # lower() first: ASCII capitals fold in any locale, and the map holds both cases of the
    # accented letters, which a C-locale lower() leaves alone.
    return f"translate(lower({compiler.process(element.clauses, **kw)}), '{_FROM}', '{_TO}')"
