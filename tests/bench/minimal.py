"""The minimal reference app of `make bench` (issue 20): only the essential durable work, under
the same gunicorn settings and database as the real app, so that "ours ÷ minimal" measures
what everything else costs (validation, privacy, holds, e-mail rows, signatures, templates).

- registration (JSON, or a form GET + POST with a CSRF token in the session): one conditional
  `UPDATE shows SET issued = issued + 1 WHERE issued < quota` and one INSERT whose e-mail is
  unique, in one transaction;
- scan: one conditional UPDATE of the ticket (first entry only) and one INSERT of the scan row.

Not an app to copy: no validation, no signature check, no authentication.

    MINIMAL_DATABASE_URI=... gunicorn -c gunicorn.conf.py 'tests.bench.minimal:create_app()'

tests/bench/run.py runs `python -m tests.bench.minimal URI SHOW PAYLOADS.json` (the schema and
rows) in a process of its own, where checkin's engine events are not registered, then serves
the app beside the real one.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from datetime import UTC, datetime

from flask import Flask, abort, jsonify, redirect, request, session
from sqlalchemy import create_engine, event, text

SCHEMA = (
    "CREATE TABLE m_shows (id INTEGER PRIMARY KEY, slug VARCHAR(40) UNIQUE NOT NULL, "
    "issued INTEGER NOT NULL, quota INTEGER NOT NULL)",
    "CREATE TABLE m_tickets (id {serial} PRIMARY KEY, show_id INTEGER NOT NULL REFERENCES m_shows(id), "
    "name VARCHAR(200) NOT NULL, email VARCHAR(254) NOT NULL, phone VARCHAR(20) NOT NULL, "
    "token VARCHAR(64) NOT NULL, created_at TIMESTAMP NOT NULL, UNIQUE (show_id, email))",
    "CREATE TABLE m_gate_tickets (id {serial} PRIMARY KEY, payload VARCHAR(400) UNIQUE NOT NULL, "
    "admitted_at TIMESTAMP, gate VARCHAR(40))",
    "CREATE TABLE m_scans (id {serial} PRIMARY KEY, client_scan_id VARCHAR(64) UNIQUE NOT NULL, "
    "ticket_id INTEGER, gate VARCHAR(40) NOT NULL, result VARCHAR(20) NOT NULL, recorded_at TIMESTAMP NOT NULL)",
)
FORM = (
    '<form method="post"><input id="csrf_token" name="csrf_token" type="hidden" value="{token}">'
    '<input name="name"><input name="email"><input name="phone"><input name="birth_year">'
    '<input name="consent" type="checkbox" value="y"><button>OK</button></form>'
)


def engine_for(uri: str, pool_size: int = 5):
    if uri.startswith("sqlite"):
        engine = create_engine(uri, connect_args={"timeout": 30, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # As the real app on SQLite: WAL, synchronous=FULL (no acknowledged write lost).
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=FULL")
            dbapi_connection.execute("PRAGMA busy_timeout=30000")

        @event.listens_for(engine, "begin")
        def _immediate(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(
        uri.replace("postgresql://", "postgresql+psycopg://", 1), pool_size=pool_size, max_overflow=2
    )


def setup(uri: str, show: str, payloads: list[str]) -> None:
    engine = engine_for(uri)
    serial = "INTEGER" if uri.startswith("sqlite") else "SERIAL"
    with engine.begin() as connection:
        for statement in SCHEMA:
            connection.exec_driver_sql(statement.format(serial=serial))
        connection.execute(
            text("INSERT INTO m_shows (id, slug, issued, quota) VALUES (1, :slug, 0, 10000000)"),
            {"slug": show},
        )
        connection.execute(
            text("INSERT INTO m_gate_tickets (payload) VALUES (:payload)"), [{"payload": p} for p in payloads]
        )
    engine.dispose()


_TAKE_SEAT = text("UPDATE m_shows SET issued = issued + 1 WHERE slug = :slug AND issued < quota")
_INSERT_TICKET = text(
    "INSERT INTO m_tickets (show_id, name, email, phone, token, created_at) "
    "VALUES ((SELECT id FROM m_shows WHERE slug = :slug), :name, :email, :phone, :token, :now)"
)
_ADMIT = text(
    "UPDATE m_gate_tickets SET admitted_at = :now, gate = :gate "
    "WHERE payload = :payload AND admitted_at IS NULL"
)
_INSERT_SCAN = text(
    "INSERT INTO m_scans (client_scan_id, gate, result, recorded_at) "
    "VALUES (:client_scan_id, :gate, :result, :now)"
)


def create_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = os.environ.get("CHECKIN_SECRET_KEY", "minimal")
    engine = engine_for(os.environ["MINIMAL_DATABASE_URI"], int(os.environ.get("CHECKIN_THREADS", 8)))

    def register(slug: str, values) -> bool:
        from sqlalchemy.exc import IntegrityError

        try:
            with engine.begin() as connection:
                if connection.execute(_TAKE_SEAT, {"slug": slug}).rowcount != 1:
                    return False
                connection.execute(
                    _INSERT_TICKET,
                    {
                        "slug": slug,
                        "name": values["name"],
                        "email": values["email"].lower(),
                        "phone": values["phone"],
                        "token": secrets.token_urlsafe(24),
                        "now": datetime.now(UTC).replace(tzinfo=None),
                    },
                )
        except IntegrityError:
            return False
        return True

    @app.get("/api/v1/health")
    def health():
        return jsonify(ok=True)

    @app.post("/api/v1/shows/<slug>/registrations")
    def register_json(slug):
        if not register(slug, request.get_json()):
            return jsonify(error={"code": "full"}), 409
        return jsonify(status="pending", hold_minutes=30), 202

    @app.route("/shows/<slug>/register", methods=["GET", "POST"])
    def register_form(slug):
        if request.method == "GET":
            session.setdefault("csrf", secrets.token_urlsafe(24))
            return FORM.format(token=session["csrf"])
        if not session.get("csrf") or request.form.get("csrf_token") != session["csrf"]:
            abort(400)
        if not register(slug, request.form):
            abort(409)
        return redirect(f"/shows/{slug}/registered", 303)

    @app.post("/api/v1/scans")
    def scan():
        body = request.get_json()
        now = datetime.now(UTC).replace(tzinfo=None)
        with engine.begin() as connection:
            admitted = (
                connection.execute(
                    _ADMIT, {"now": now, "gate": body["gate"], "payload": body["payload"]}
                ).rowcount
                == 1
            )
            result = "admitted" if admitted else "already_inside"
            connection.execute(
                _INSERT_SCAN,
                {
                    "client_scan_id": body["client_scan_id"],
                    "gate": body["gate"],
                    "result": result,
                    "now": now,
                },
            )
        return jsonify(result=result, ok=admitted)

    return app


if __name__ == "__main__":
    _, uri, show, payload_file = sys.argv
    with open(payload_file) as payloads:
        setup(uri, show, json.load(payloads))
