"""Errors to responses: one mapping for JSON (the API) and one for HTML (pages). Never a trace."""

from __future__ import annotations

import math
import time

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from ..errors import DomainError, InvalidInput, Unavailable
from ..extensions import limiter, login_manager
from ..keystore import WrongSecretKey
from .messages import error_message, field_message

# HTTP status of each domain error code (DESIGN.md §5).
STATUS = {
    "invalid": 422,
    "not_found": 404,
    "registration_closed": 403,
    "full": 409,
    "duplicate": 409,
    "conflict": 409,
    "waitlist_closed": 409,
    "already_cancelled": 409,
    "nothing_to_undo": 409,
    "ticket_used": 409,
    "unavailable": 503,
    "scan_id_reused": 409,
    "show_required": 422,
    "gate_not_chosen": 403,
    "not_asked": 409,
    "reconfirmation_closed": 409,
}
# How long a client (or the load balancer) should wait before asking again.
RETRY_AFTER_SECONDS = 10
# The database does not answer (down, restarting, its file gone), every pooled connection is
# busy, or this server holds another deployment's secret: not the request's fault, not a bug.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, Unavailable, WrongSecretKey)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
}


def error_body(code: str, fields: dict[str, str] | None = None, message: str | None = None) -> dict:
    """{"error": {...}}: the API's error, as a response or as one item of a batch's answer."""
    body: dict[str, str | dict[str, str]] = {"code": code, "message": message or error_message(code)}
    if fields:
        body["fields"] = {name: field_message(field_code) for name, field_code in fields.items()}
        body["field_codes"] = fields
    return {"error": body}


def json_error(code: str, status: int, fields: dict[str, str] | None = None, message: str | None = None):
    return jsonify(error_body(code, fields, message)), status


def domain_error_body(error: DomainError) -> tuple[dict, int]:
    """The one mapping of a domain error to the API's answer: its body and HTTP status (a
    batch's item answers with the body alone)."""
    fields = error.fields if isinstance(error, InvalidInput) else None
    return error_body(error.code, fields), STATUS.get(error.code, 400)


def domain_error_json(error: DomainError):
    body, status = domain_error_body(error)
    return jsonify(body), status


def _minutes_until_allowed() -> int:
    """When the limit that refused this request lets the person try again, in whole minutes."""
    current = limiter.current_limit
    seconds = current.reset_at - time.time() if current else 60
    return max(math.ceil(seconds / 60), 1)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if _wants_json():
            return json_error("csrf", 400)
        return render_template("errors/error.html", message=error_message("csrf"), status=400), 400

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if _wants_json():
            return domain_error_json(error)
        status = STATUS.get(error.code, 400)
        return render_template("errors/error.html", message=error_message(error.code), status=status), status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        code = _HTTP_CODES.get(status, "server_error" if status >= 500 else "bad_request")
        if _wants_json():
            return json_error(code, status)
        if status == 429:
            return render_template(
                "errors/rate_limited.html", minutes=_minutes_until_allowed(), status=status
            ), status
        return render_template("errors/error.html", message=error_message(code), status=status), status

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(Unavailable)
    @app.errorhandler(WrongSecretKey)
    def unavailable(error: Exception):
        app.logger.error("unavailable on %s %s: %s", request.method, request.path, type(error).__name__)
        # The page must not ask the database again: Flask-Login's template context would load
        # the signed-in staff member.
        g._login_user = login_manager.anonymous_user()
        if _wants_json():
            response = json_error("unavailable", 503)[0]
        else:
            response = app.make_response(
                (render_template("errors/error.html", message=error_message("unavailable"), status=503), 503)
            )
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return json_error("server_error", 500)
        return render_template("errors/error.html", message=error_message("server_error"), status=500), 500
