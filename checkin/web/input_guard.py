"""Refuses what no honest client sends: NUL characters, JSON nested too deep to parse.

PostgreSQL text cannot hold NUL, so a lookup by such a string (a slug, a ticket token, a staff
name) would fail inside the driver as a 500 instead of answering "not found" or "invalid".
"""
from __future__ import annotations

from flask import Flask, abort, request


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        if "\x00" in request.path:
            abort(404)
        fields = list(request.args.items(multi=True))
        if request.mimetype in _FORM_TYPES:  # a JSON body (every scan) has no form to parse
            fields += request.form.items(multi=True)
        if any(_holds_nul(key) or _holds_nul(value) for key, value in fields):
            abort(400)
        if request.is_json:
            try:
                if _holds_nul(request.get_json(silent=True)):
                    abort(400)
            except RecursionError:  # "[[[[...": the JSON parser gives up without a ValueError
                abort(400)
