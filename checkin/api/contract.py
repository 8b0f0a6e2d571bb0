"""Each endpoint's contract, declared once beside its view: who may call it, what it reads
(a pydantic model of the body or the query) and what it answers. The same declaration checks
the request at the door and writes the OpenAPI document (checkin/api/openapi.py).

A request that does not fit is InvalidInput with a code per field, answered 422 by the one
error mapping (checkin/web/errors.py); the view never sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..errors import InvalidInput
from ..web.staff_session import api_staff_required
from .schemas import ErrorBody, Input

M = TypeVar("M", bound=Input)

# pydantic's error types -> our field codes (checkin/web/messages.py words them).
_CODES = {
    "missing": "required",
    "string_too_short": "required",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "too_short": "required",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
    "string_pattern_mismatch": "invalid_format",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "greater_than": "out_of_range",
    "less_than": "out_of_range",
    "model_type": "not_an_object",
    "model_attributes_type": "not_an_object",
    "datetime_from_date_parsing": "invalid_datetime",
    "datetime_parsing": "invalid_datetime",
    "datetime_type": "invalid_datetime",
    "timezone_aware": "invalid_datetime",
    "control_characters": "control_characters",
    "invalid_datetime": "invalid_datetime",
    "out_of_range": "out_of_range",
}
_OURS = frozenset(_CODES.values())

# Errors every endpoint of a kind may answer, besides its own.
COMMON = {400: "bad_request (malformed request, NUL characters), csrf (session without its token)"}
AUTH = {401: "unauthorized (no or wrong token)", 403: "forbidden (the role does not allow it)"}
BODY = {413: "too_large (body over the size limit)", 422: "invalid (fields names each field's problem)"}


@dataclass(frozen=True)
class Operation:
    summary: str
    answer: type[BaseModel] | None
    status: int = 200
    body: type[Input] | None = None
    query: type[Input] | None = None
    role: str | None = None  # None: public
    errors: dict[int, str] = field(default_factory=dict)
    description: str = ""
    tag: str = "api"

    def error_responses(self) -> dict[int, str]:
        found = dict(COMMON)
        if self.role is not None:
            found.update(AUTH)
        if self.body is not None:
            found.update(BODY)
        elif self.query is not None:
            found[422] = BODY[422]
        found.update(self.errors)
        return found


def field_code(model: type[Input], error: ErrorDetails) -> tuple[str, str]:
    """A pydantic error as (field, code): the field's dotted path, "_body" for the whole body."""
    location = [str(part) for part in error["loc"]]
    name = ".".join(location) or "_body"
    kind = error["type"]
    code = _CODES.get(kind, kind if kind in _OURS else "wrong_type")
    if (
        code not in ("required", "not_an_object")
        and location
        and location[0] in model.field_codes
        or code == "required"
        and location
        and location[0] in model.field_codes
        and kind != "missing"
    ):
        code = model.field_codes[location[0]]
    return name, code


def checked(model: type[M], data: object) -> M | InvalidInput:
    """validate(), the error returned rather than raised: for a batch, whose items answer
    each on its own."""
    try:
        return validate(model, data)
    except InvalidInput as error:
        return error


def validate(model: type[M], data: object) -> M:
    """The model built from plain JSON values, or InvalidInput naming each field once."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields: dict[str, str] = {}
        for item in error.errors(include_url=False, include_input=False, include_context=False):
            name, code = field_code(model, item)
            # A union reports each alternative; the first says enough.
            fields.setdefault(name.split(".")[0] if name.split(".")[0] in model.model_fields else name, code)
        raise InvalidInput(fields) from None


def json_body():
    """The parsed JSON body, or None when there is none (or it is not JSON)."""
    if not request.is_json:
        return None
    return request.get_json(silent=True)


def _query_values() -> dict:
    """The query string as single values; a parameter given twice is refused, not guessed."""
    values = request.args.to_dict(flat=False)
    repeated = {name: "wrong_type" for name, given in values.items() if len(given) > 1}
    if repeated:
        raise InvalidInput(repeated)
    return {name: given[0] for name, given in values.items()}


def operation(
    summary: str,
    *,
    answer: type[BaseModel] | None,
    status: int = 200,
    body: type[Input] | None = None,
    query: type[Input] | None = None,
    role: str | None = None,
    errors: dict[int, str] | None = None,
    description: str = "",
    tag: str = "api",
):
    """Declares an endpoint's contract; the view gets `body=` and/or `query=` as models."""
    spec = Operation(summary, answer, status, body, query, role, errors or {}, description, tag)

    def decorator(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if body is not None:
                kwargs["body"] = validate(body, json_body())
            if query is not None:
                kwargs["query"] = validate(query, _query_values())
            return view(*args, **kwargs)

        wrapped = api_staff_required(role)(checked) if role is not None else checked
        wrapped.api_operation = spec
        return wrapped

    return decorator


ERROR_SCHEMA = ErrorBody
