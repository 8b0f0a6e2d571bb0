"""Domain errors on console pages: field codes next to their fields, the rest as a notice."""

from __future__ import annotations

from flask import flash

from ..errors import DomainError, InvalidInput
from ..web.errors import STATUS
from ..web.messages import error_message, field_message


def show_error(error: DomainError, form=None) -> int:
    """Puts the error where the organiser will see it; returns the HTTP status to answer with."""
    if isinstance(error, InvalidInput) and form is not None:
        unplaced = {}
        for name, code in error.fields.items():
            field = getattr(form, name, None)
            if field is None:
                unplaced[name] = code
            else:
                field.errors = (
                    [*field.errors, field_message(code)]
                    if isinstance(field.errors, list)
                    else [field_message(code)]
                )
        for code in unplaced.values():
            flash(field_message(code), "error")
        flash(error_message(error.code), "error")
    else:
        flash(error_message(error.code), "error")
    return STATUS.get(error.code, 400)
