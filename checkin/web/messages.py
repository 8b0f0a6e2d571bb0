"""The one place where error codes become words people read, in their language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FIELD_MESSAGES = {
    "required": _l("Please fill in this field."),
    "too_long": _l("This is too long."),
    "control_characters": _l("Please remove the special or invisible characters."),
    "not_a_name": _l("Please write a name with letters."),
    "invalid_email": _l("This e-mail address does not look right (example: ban@example.com)."),
    "invalid_phone": _l("This phone number does not look right (example: 0912 345 678)."),
    # Says the range too: "four digits" alone puzzled someone who typed 2030 (issue 17).
    "invalid_birth_year": _l(
        "Please enter your year of birth: four digits, from 1900 to this year, for example 2008."
    ),
    "consent_required": _l("We need your consent to process your personal data to issue a ticket."),
    "guardian_consent_required": _l("Attendees under 16 need the consent of a parent or guardian."),
    "not_negative": _l("Please enter zero or a positive number."),
    "invalid_choice": _l("Please choose one of the options."),
    "not_an_object": _l("The request body must be a JSON object."),
    "wrong_type": _l("This field has the wrong type."),
    "invalid_slug": _l("2 to 40 lower-case letters, digits or dashes, e.g. gala-2026."),
    "before_doors": _l("The show cannot start before the doors open."),
    "before_start": _l("The show must end after it starts."),
    "before_opening": _l("Registration must close after it opens."),
    "invalid_datetime": _l("Please enter a date and time such as 2026-11-01T18:30:00+07:00."),
    "out_of_range": _l("This value is out of the allowed range."),
    "invalid_format": _l("This value does not have the expected format."),
    "date_out_of_range": _l("Please enter a date between the years 2000 and 2099."),
    "query_too_short": _l("Type at least 3 letters of the name, or the whole ticket code or phone number."),
    "deadline_past": _l("The deadline must be in the future."),
    "deadline_after_doors": _l("The deadline must be before the doors open."),
}

ERROR_MESSAGES = {
    "invalid": _l("Some fields need your attention."),
    "not_found": _l("We could not find that."),
    "registration_closed": _l("Registration for this show is not open."),
    "full": _l("Sorry, this show is full: every ticket has been issued."),
    "duplicate": _l(
        "This e-mail address or phone number is already registered for this show. "
        "If you lost your ticket, use “Find my ticket”."
    ),
    "conflict": _l(
        "That change conflicts with the current state (for example, a quota below the tickets already issued)."
    ),
    "waitlist_closed": _l("The waitlist for this show is closed."),
    "already_cancelled": _l("This ticket is already cancelled."),
    "ticket_used": _l("This ticket has already been used at the gate, so it can no longer be cancelled."),
    "nothing_to_undo": _l("There is no admission of yours from the last minute to undo."),
    "rate_limited": _l("Too many requests. Please wait a minute and try again."),
    "csrf": _l("Your form expired or was sent from elsewhere. Please try again."),
    "unauthorized": _l("Please sign in."),
    "forbidden": _l("You are not allowed to do this."),
    "bad_request": _l("The request could not be understood."),
    "too_large": _l("The request is too large."),
    "method_not_allowed": _l("This method is not allowed here."),
    "server_error": _l("Something went wrong on our side. Please try again."),
    "unavailable": _l("The service is busy or briefly unavailable. Please try again in a few seconds."),
    "scan_id_reused": _l("This scan id was already used for another scan. Send the scan with a new id."),
    "show_required": _l("Name the show this gate admits to (or a gate that belongs to one show)."),
    "gate_not_chosen": _l("Choose your gate first: you can look up only the tickets of your gate's show."),
    "not_asked": _l("There is no reconfirmation running for this ticket."),
    "reconfirmation_closed": _l("The reconfirmation is over: the answer can no longer change."),
}


def field_message(code: str) -> str:
    return str(FIELD_MESSAGES.get(code, FIELD_MESSAGES["wrong_type"]))


def error_message(code: str) -> str:
    return str(ERROR_MESSAGES.get(code, ERROR_MESSAGES["bad_request"]))
