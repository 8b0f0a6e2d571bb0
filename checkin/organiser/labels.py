"""Words for the values the console lists: ticket statuses, scan results, audit actions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUSES = {"issued": _l("Issued"), "waitlisted": _l("Waitlisted"), "cancelled": _l("Cancelled")}

SCAN_RESULTS = {
    "admitted": _l("Admitted"), "reentered": _l("Re-entered"), "exited": _l("Exited"),
    "already_inside": _l("Already inside"), "not_inside": _l("Not inside"), "invalid": _l("Invalid"),
    "unknown": _l("Unknown ticket"), "wrong_show": _l("Wrong show"), "cancelled": _l("Cancelled"),
    "waitlisted": _l("Waitlisted"), "venue_full": _l("Venue full"), "not_open": _l("Not open"),
    "undone": _l("Undone"), "conflict": _l("Conflict"),
}

# Why the server could not honour an admission a gate phone decided offline.
CONFLICT_REASONS = {
    "already_admitted": _l("Already admitted at another gate"), "cancelled": _l("Ticket was cancelled"),
    "waitlisted": _l("Ticket was on the waitlist"), "venue_full": _l("Venue was full"),
    "wrong_show": _l("Ticket for another show"), "not_open": _l("Doors were not open"),
    "unknown": _l("Unknown ticket"),
}

ACTIONS = {
    "show.create": _l("Show created"), "show.update": _l("Show changed"),
    "gate.add": _l("Gate added"), "gate.rename": _l("Gate renamed"), "gate.remove": _l("Gate removed"),
    "staff.add": _l("Account added"), "staff.reset_password": _l("Password reset"),
    "staff.deactivate": _l("Account deactivated"), "staff.pair": _l("Pairing code shown"),
    "staff.paired": _l("Phone paired"), "ticket.move": _l("Ticket moved"), "ticket.cancel": _l("Ticket cancelled"),
    "ticket.resend": _l("E-mail sent again"), "ticket.admit_by_hand": _l("Admitted by hand"),
}

HISTORY = {"registered": _l("Registered"), "issued": _l("Ticket issued"), "cancelled": _l("Cancelled"),
           "mail": _l("E-mail"), "scan": _l("Scan"), "action": _l("Organiser action")}


def label(table: dict, value: str | None) -> str:
    return str(table.get(value, value or ""))


def action_label(action: str) -> str:
    if action.startswith("scan:"):
        return f"{_l('Scan')}: {label(SCAN_RESULTS, action[5:])}"
    return label(ACTIONS, action)
