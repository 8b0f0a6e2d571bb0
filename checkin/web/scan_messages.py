"""A scan's stored answer as the reader sees it: plain words in their language, the show's title.

Shared by the JSON API and the gate pages; the domain stores values only (checkin/admission.py),
so a replayed answer (invariant 6) is worded afresh in the language of whoever asks again.
"""

from __future__ import annotations

from flask_babel import gettext as _

from .locale import current_locale


def scan_message(response: dict) -> str:
    result = response["result"]
    ticket = response.get("ticket") or {}
    name = ticket.get("name", "")
    if result == "admitted" and response.get("standby"):
        return _(
            "Standby number %(number)s: welcome in, %(name)s!",
            number=response["standby"]["number"],
            name=name,
        )
    if result == "admitted":
        return _("Valid ticket: welcome in, %(name)s!", name=name)
    if result == "reentered":
        return _(
            "Coming back in (re-entry is allowed). First entry at %(time)s at %(gate)s.",
            time=response.get("first_admitted_at", ""),
            gate=response.get("first_gate", ""),
        )
    if result == "exited":
        return _("Exit recorded: %(name)s has left.", name=name)
    if result == "already_inside":
        return _(
            "Ticket already scanned at %(time)s at %(gate)s.",
            time=response.get("first_admitted_at", "?"),
            gate=response.get("first_gate", "?"),
        )
    if result == "not_inside":
        return _("This ticket has not come in, so it cannot be scanned out.")
    if result == "invalid":
        return _("Not a valid ticket: the QR code is forged, damaged or not one of ours.")
    if result == "unknown":
        return _("This ticket is not in our system. Please send the person to the information desk.")
    if result == "wrong_show":
        return _("This ticket is for another show: %(show)s.", show=_show_title(ticket))
    if result == "cancelled":
        return _("This ticket has been cancelled.")
    if result == "waitlisted":
        return _("This ticket is still on the waitlist: it has no place yet.")
    if result == "venue_full":
        return _("The venue is full. Please wait until someone leaves.")
    if result == "not_open":
        if response.get("standby_not_called"):
            return _(
                "Standby number %(number)s has not been called yet (now up to %(called)s).",
                number=response["standby"]["number"],
                called=response["standby"]["called_up_to"],
            )
        if response.get("show_over"):
            return _("This show is over: the gate is closed.")
        return _(
            "Doors are not open yet: they open at %(time)s on %(day)s.",
            time=response.get("doors_open_at", ""),
            day=response.get("doors_open_on", ""),
        )
    if result == "conflict":
        if response.get("conflict") == "already_admitted":
            return _(
                "Conflict: this ticket was already admitted at %(time)s at %(gate)s. Kept for the "
                "organisers to review.",
                time=response.get("first_admitted_at", "?"),
                gate=response.get("first_gate", "?"),
            )
        return _(
            "Conflict: this ticket was let in offline, but the server could not admit it. Kept for "
            "the organisers to review."
        )
    if result == "undone":
        return _("Admission undone: the ticket of %(name)s can be used again.", name=name)
    return _("Not a valid ticket: the QR code is forged, damaged or not one of ours.")


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
