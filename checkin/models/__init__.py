"""The database schema: shows, tickets, staff, scans, the mail outbox and the audit log.

Every invariant of DESIGN.md §4 that a database can hold is held here too (unique and partial
unique indexes, check constraints); the domain modules give the friendly answer first.

The tables by concept, one module each; every name is importable from checkin.models.
"""

from __future__ import annotations

# School groups (issue 19) share this metadata.
from .. import group_models  # noqa: E402,F401
from .audit import AuditEntry, AuditUnlock
from .messages import HolderMessage, HolderMessageRecipient, LookupRequest, OutboxMessage
from .seats import Reconfirmation, ReconfirmationAnswer, StandbyLine, StandbyPass
from .shows import Gate, Show, ShowCount, ShowPlace
from .staff import ApiToken, PairingCode, Staff, StoredSigningKey
from .tickets import LIVE_STATUSES, LIVE_TICKET, TICKET_STATUSES, UNCONFIRMED, Scan, Ticket, TicketQr

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditUnlock",
    "Gate",
    "HolderMessage",
    "HolderMessageRecipient",
    "LIVE_STATUSES",
    "LIVE_TICKET",
    "LookupRequest",
    "OutboxMessage",
    "PairingCode",
    "Reconfirmation",
    "ReconfirmationAnswer",
    "Scan",
    "Show",
    "ShowCount",
    "ShowPlace",
    "Staff",
    "StandbyLine",
    "StandbyPass",
    "StoredSigningKey",
    "TICKET_STATUSES",
    "Ticket",
    "TicketQr",
    "UNCONFIRMED",
]
