"""Every string the code and the templates mark for translation has a Vietnamese translation,
none of them fuzzy (the catalogues are compiled without --use-fuzzy): found with babel.cfg, the
same mapping `make extract` uses, so a string the extraction misses fails here too."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}


def _msgid(message) -> str:
    return message if isinstance(message, str) else message[0]


def _marked() -> dict[str, str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {
        _msgid(message): f"{filename}:{line}"
        for filename, line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS
        )
        if _msgid(message)
    }


def _translated() -> tuple[set[str], list[str]]:
    done, fuzzy = set(), []
    for path in ROOT.glob("checkin/**/translations/vi/LC_MESSAGES/messages.po"):
        with open(path, "rb") as po:
            for message in read_po(po):
                if not message.id:
                    continue
                if message.fuzzy:
                    fuzzy.append(f"{path.relative_to(ROOT)}: {_msgid(message.id)}")
                elif message.string if isinstance(message.string, str) else message.string[0]:
                    done.add(_msgid(message.id))
    return done, fuzzy


def test_every_marked_string_has_a_vietnamese_translation_and_none_is_fuzzy():
    marked = _marked()
    assert len(marked) > 500, "the extraction found almost nothing: babel.cfg's paths do not match"
    done, fuzzy = _translated()
    missing = sorted(f"{where}: {msgid}" for msgid, where in marked.items() if msgid not in done)
    assert missing == [] and fuzzy == [], (missing, fuzzy)
