"""A scan's stored answer as the reader sees it: plain words in their language, the show's title.

Shared by the JSON API and the gate pages; the domain stores values only (checkin/admission.py),
so a replayed answer (invariant 6) is worded afresh in the language of whoever asks again.

SENTENCES is the one table of what a scan's answer says, online and offline: the server words
its answers from it, and the scanner page carries it (`scanner_sentences`, in the page's
language) for the answers the phone gives alone (static/js/gate/words.js fills it the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..admission import ALREADY_ADMITTED, CONFLICT, UNDONE
from .locale import current_locale


def N_(msgid: str) -> str:
    """Marks a sentence for extraction (babel's default keyword); it is translated when used."""
    return msgid


@dataclass(frozen=True)
class Sentence:
    msgid: str
    # Each hole of the sentence and the answer's field that fills it, as a dotted path.
    fields: dict[str, str] = field(default_factory=dict)
    # What a hole says when the answer lacks its field.
    missing: str = ""


_NAME = {"name": "ticket.name"}
_FIRST_ENTRY = {"time": "first_admitted_at", "gate": "first_gate"}

# Keyed by result code, or "<result>.<variant>" where the answer's details change the sentence;
# every result of the domain (admission.RESULTS, UNDONE) has one (tests/test_scanner_config.py).
# The variants marked "phone" are said only by the scanner when it decides alone, knowing less
# than the server: no name on a codes-only list, no title of another show, only its own list.
SENTENCES: dict[str, Sentence] = {
    "admitted": Sentence(N_("Valid ticket: welcome in, %(name)s!"), _NAME),
    "admitted.standby": Sentence(
        N_("Standby number %(number)s: welcome in, %(name)s!"),
        {"number": "standby.number", **_NAME},
    ),
    "admitted.standby.nameless": Sentence(  # phone
        N_("Standby number %(number)s: welcome in!"), {"number": "standby.number"}
    ),
    "admitted.nameless": Sentence(N_("Valid ticket: welcome in!")),  # phone
    "reentered": Sentence(
        N_("Coming back in (re-entry is allowed). First entry at %(time)s at %(gate)s."), _FIRST_ENTRY
    ),
    "exited": Sentence(N_("Exit recorded: %(name)s has left."), _NAME),
    "exited.nameless": Sentence(N_("Exit recorded.")),  # phone
    "already_inside": Sentence(
        N_("Ticket already scanned at %(time)s at %(gate)s."), _FIRST_ENTRY, missing="?"
    ),
    "not_inside": Sentence(N_("This ticket has not come in, so it cannot be scanned out.")),
    "invalid": Sentence(N_("Not a valid ticket: the QR code is forged, damaged or not one of ours.")),
    "unknown": Sentence(
        N_("This ticket is not in our system. Please send the person to the information desk.")
    ),
    "unknown.offline": Sentence(  # phone
        N_(
            "This ticket is not in the list on this phone (it may be new). Check it by hand: the "
            "server checks the scan again when the network is back."
        )
    ),
    "wrong_show": Sentence(N_("This ticket is for another show: %(show)s."), {"show": "ticket.show_title"}),
    "wrong_show.offline": Sentence(N_("This ticket is for another show.")),  # phone
    "cancelled": Sentence(N_("This ticket has been cancelled.")),
    "waitlisted": Sentence(N_("This ticket is still on the waitlist: it has no place yet.")),
    "venue_full": Sentence(N_("The venue is full. Please wait until someone leaves.")),
    "not_open": Sentence(
        N_("Doors are not open yet: they open at %(time)s on %(day)s."),
        {"time": "doors_open_at", "day": "doors_open_on"},
    ),
    "not_open.standby_not_called": Sentence(
        N_("Standby number %(number)s has not been called yet (now up to %(called)s)."),
        {"number": "standby.number", "called": "standby.called_up_to"},
    ),
    "not_open.show_over": Sentence(N_("This show is over: the gate is closed.")),
    CONFLICT: Sentence(
        N_(
            "Conflict: this ticket was let in offline, but the server could not admit it. Kept for "
            "the organisers to review."
        )
    ),
    f"{CONFLICT}.{ALREADY_ADMITTED}": Sentence(
        N_(
            "Conflict: this ticket was already admitted at %(time)s at %(gate)s. Kept for the "
            "organisers to review."
        ),
        _FIRST_ENTRY,
        missing="?",
    ),
    UNDONE: Sentence(N_("Admission undone: the ticket of %(name)s can be used again."), _NAME),
}


def sentence_key(response: dict) -> str:
    """Which of SENTENCES words a server's answer."""
    result = response["result"]
    if result == "admitted" and response.get("standby"):
        return "admitted.standby"
    if result == "not_open" and response.get("standby_not_called"):
        return "not_open.standby_not_called"
    if result == "not_open" and response.get("show_over"):
        return "not_open.show_over"
    if result == CONFLICT and response.get("conflict") == ALREADY_ADMITTED:
        return f"{CONFLICT}.{ALREADY_ADMITTED}"
    return result if result in SENTENCES else "invalid"


def _field(response: dict, path: str) -> object:
    value: object = response
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def say(key: str, response: dict) -> str:
    sentence = SENTENCES[key]
    if not sentence.fields:
        return _(sentence.msgid)
    values = {hole: _field(response, path) for hole, path in sentence.fields.items()}
    return _(sentence.msgid, **{hole: sentence.missing if v is None else v for hole, v in values.items()})


def scan_message(response: dict) -> str:
    ticket = response.get("ticket")
    if ticket and not isinstance(ticket.get("show_title"), str):
        response = {**response, "ticket": {**ticket, "show_title": _show_title(ticket)}}
    return say(sentence_key(response), response)


def scanner_sentences() -> dict[str, dict]:
    """SENTENCES in the current language for the scanner page: each hole written "{hole}", to be
    filled from the phone's own answer by the same fields."""
    return {
        key: {
            "text": _(sentence.msgid, **{hole: f"{{{hole}}}" for hole in sentence.fields})
            if sentence.fields
            else _(sentence.msgid),
            "fields": sentence.fields,
            "missing": sentence.missing,
        }
        for key, sentence in SENTENCES.items()
    }


def _show_title(ticket: dict) -> str:
    titles = ticket.get("show_title") or {}
    return titles.get(current_locale()) or titles.get("vi") or ticket.get("show", "")


def present(response: dict) -> dict:
    """The HTTP answer (DESIGN.md §5): the stored values plus a translated message."""
    body = dict(response)
    if "ticket" in body:
        ticket = dict(body["ticket"])
        ticket["show_title"] = _show_title(body["ticket"])
        body["ticket"] = ticket
    body["message"] = scan_message(response)
    return body
