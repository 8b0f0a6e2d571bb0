"""Domain errors. Each carries a stable code: the codes of the HTTP contract (DESIGN.md §5)."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, detail: str | None = None, **context: object) -> None:
        super().__init__(detail or self.code)
        self.context = context


class InvalidInput(DomainError):
    """Field errors: a map of field name -> error code (see checkin/messages.py)."""

    code = "invalid"

    def __init__(self, fields: dict[str, str]):
        super().__init__(", ".join(f"{k}:{v}" for k, v in fields.items()))
        self.fields = fields


class NotFound(DomainError):
    code = "not_found"


class RegistrationClosed(DomainError):
    code = "registration_closed"


class ShowFull(DomainError):
    code = "full"


class Duplicate(DomainError):
    code = "duplicate"


class Conflict(DomainError):
    """A change that would break a limit, e.g. a quota below the tickets already issued."""

    code = "conflict"


class WaitlistClosed(DomainError):
    code = "waitlist_closed"


class AlreadyCancelled(DomainError):
    code = "already_cancelled"


class NothingToUndo(DomainError):
    """No admission of this volunteer's within the undo window (or it was already undone)."""

    code = "nothing_to_undo"


class TicketUsed(DomainError):
    """A ticket that already let its holder in can no longer be cancelled."""

    code = "ticket_used"


class Unavailable(DomainError):
    """The database (or its lock file) cannot be reached: 503, try again shortly."""

    code = "unavailable"


class ScanIdReused(DomainError):
    """A client_scan_id already used for another request, or by another volunteer: the first
    answer belongs to that scan and is never given to this one."""

    code = "scan_id_reused"


class ShowRequired(DomainError):
    """A scan that names neither its show nor a gate that belongs to one show alone."""

    code = "show_required"


class GateNotChosen(DomainError):
    """A volunteer asks about a show other than the one of the gate they chose (or chose none)."""

    code = "gate_not_chosen"


class NotAsked(DomainError):
    """The ticket is not part of a running reconfirmation."""

    code = "not_asked"


class ReconfirmationClosed(DomainError):
    """The deadline has passed (or the ticket was released): the answer can no longer change."""

    code = "reconfirmation_closed"
