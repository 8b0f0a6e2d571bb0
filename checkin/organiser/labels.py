"""Words for the values the console lists: ticket statuses, scan results, audit actions."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..models import TICKET_STATUSES
from ..shows import to_local

# The audit log's JSON keeps times as naive UTC ISO strings.
_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$")

STATUSES = dict(zip(TICKET_STATUSES, (_l("Issued"), _l("Waitlisted"), _l("Cancelled")), strict=True))

SCAN_RESULTS = {
    "admitted": _l("Admitted"),
    "reentered": _l("Re-entered"),
    "exited": _l("Exited"),
    "already_inside": _l("Already inside"),
    "not_inside": _l("Not inside"),
    "invalid": _l("Invalid"),
    "unknown": _l("Unknown ticket"),
    "wrong_show": _l("Wrong show"),
    "cancelled": _l("Cancelled"),
    "waitlisted": _l("Waitlisted"),
    "venue_full": _l("Venue full"),
    "not_open": _l("Not open"),
    "undone": _l("Undone"),
    "conflict": _l("Conflict"),
}

# Why the server could not honour an admission a gate phone decided offline.
CONFLICT_REASONS = {
    "already_admitted": _l("Already admitted at another gate"),
    "cancelled": _l("Ticket was cancelled"),
    "waitlisted": _l("Ticket was on the waitlist"),
    "venue_full": _l("Venue was full"),
    "wrong_show": _l("Ticket for another show"),
    "not_open": _l("Doors were not open"),
    "unknown": _l("Unknown ticket"),
}

ACTIONS = {
    "show.create": _l("Show created"),
    "show.update": _l("Show changed"),
    "gate.add": _l("Gate added"),
    "gate.rename": _l("Gate renamed"),
    "gate.remove": _l("Gate removed"),
    "staff.add": _l("Account added"),
    "staff.reset_password": _l("Password reset"),
    "staff.deactivate": _l("Account deactivated"),
    "staff.pair": _l("Pairing code shown"),
    "staff.paired": _l("Phone paired"),
    "ticket.move": _l("Ticket moved"),
    "ticket.cancel": _l("Ticket cancelled"),
    "ticket.resend": _l("E-mail sent again"),
    "ticket.admit_by_hand": _l("Admitted by hand"),
}

# What the audit log's "object" column names, and the fields its before/after values hold.
OBJECT_TYPES = {
    "ticket": _l("Ticket"),
    "show": _l("Show"),
    "gate": _l("Gate"),
    "staff": _l("Account"),
    "scan": _l("Scan"),
}

FIELDS = {
    "title_vi": _l("Title in Vietnamese"),
    "title_en": _l("Title in English"),
    "venue": _l("Venue"),
    "doors_open_at": _l("Doors open"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "ticket_quota": _l("Ticket quota"),
    "venue_capacity": _l("Venue capacity"),
    "reentry_allowed": _l("Re-entry allowed"),
    "registration_opens_at": _l("Registration opens"),
    "registration_closes_at": _l("Registration closes"),
    "waitlist_cutoff_minutes": _l("Waitlist cut-off (minutes)"),
    "offline_names": _l("Names on gate phones"),
    "registration_open": _l("Registration open"),
    "programme_vi": _l("Programme in Vietnamese"),
    "programme_en": _l("Programme in English"),
    "status": _l("Status"),
    "label": _l("Gate name"),
    "gate": _l("Gate"),
    "reason": _l("Reason"),
    "name": _l("Name"),
    "role": _l("Role"),
    "active": _l("Active"),
    "show": _l("Show"),
    "result": _l("Result"),
    "direction": _l("Direction"),
    "code": _l("Ticket code"),
    "staff": _l("Account"),
    "method": _l("How"),
    "device": _l("Device"),
    "scanned_at": _l("Scanned at"),
    "offline": _l("Decided offline"),
    "outbox_id": _l("E-mail no."),
    "group_outbox_id": _l("E-mail to the group no."),
}

VALUES = {
    True: _l("yes"),
    False: _l("no"),
    "issued": _l("Issued"),
    "waitlisted": _l("Waitlisted"),
    "cancelled": _l("Cancelled"),
    "volunteer": _l("Volunteer"),
    "organiser": _l("Organiser"),
    "in": _l("in"),
    "out": _l("out"),
    "manual": _l("by hand"),
    "qr": _l("QR code"),
}

# The outbox's kinds (checkin/outbox.KINDS); "ticket" carries a ticket or a waitlist place.
MAIL_KINDS = {
    "ticket": _l("ticket or waitlist place"),
    "promoted": _l("ticket after waitlist"),
    "resend": _l("sent again"),
    "cancelled": _l("cancellation"),
    "confirm": _l("confirmation link"),
    "notice": _l("notice"),
    "reconfirm": _l("reconfirmation question"),
    "reminder": _l("reconfirmation reminder"),
    "released": _l("released after the deadline"),
    "message": _l("message from the organisers"),
}

HISTORY = {
    "registered": _l("Registered"),
    "issued": _l("Ticket issued"),
    "cancelled": _l("Cancelled"),
    "mail": _l("E-mail"),
    "scan": _l("Scan"),
    "action": _l("Organiser action"),
}


def label(table: dict, value: str | None) -> str:
    return str(table.get(value, value or ""))


def value_label(value) -> str:
    """A value as the page says it: yes/no and known words translated, times in Hanoi time."""
    if isinstance(value, str) and _ISO_TIME.match(value):
        return to_local(datetime.fromisoformat(value)).strftime("%d/%m/%Y %H:%M:%S")
    # Words and yes/no only: 1 == True to a dict, and a capacity of 1 is no "yes".
    if isinstance(value, (bool, str)) and value in VALUES:
        return str(VALUES[value])
    return str(value)


def describe(values: dict | None) -> str:
    """An audit entry's before or after values, with the fields' names in the page's language."""
    return ", ".join(
        f"{label(FIELDS, key)}: {value_label(value)}"
        for key, value in (values or {}).items()
        if value not in (None, "")
    )


def object_label(object_type: str | None, object_id: str | None) -> str:
    return " ".join(part for part in (label(OBJECT_TYPES, object_type), object_id or "") if part)


def action_label(action: str) -> str:
    if action.startswith("scan:"):
        return f"{_l('Scan')}: {label(SCAN_RESULTS, action[5:])}"
    return label(ACTIONS, action)
