"""Configuration: defaults, then instance/config.py, then CHECKIN_* environment, then tests."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

MAX_BODY_BYTES = 64 * 1024
DEV_PUBLIC_URL = "http://127.0.0.1:5000"


def _secret_key(instance: Path) -> str:
    """Generated once into the instance folder; never in the repository."""
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    for _ in range(50):  # another process may be between creating and writing the file
        key = path.read_text().strip()
        if key:
            return key
        import time

        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty")


def database_uri(uri: str) -> str:
    """Lets people write plain postgresql:// URLs; we drive PostgreSQL with psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri


def configure(app: Flask, test_config: dict | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'checkin.db'}",
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        BABEL_TRANSLATION_DIRECTORIES=";".join(
            str(p) for p in sorted(Path(__file__).parent.glob("**/translations"))
        ),
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis down: each worker counts in its own memory until Redis is back, rather than every
        # rate-limited page failing (/api/v1/ready names Redis meanwhile).
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        # Proxies in front that set X-Forwarded-For/-Proto/-Host (1 behind the TLS proxy). 0
        # trusts no header: a client could otherwise pick its own rate-limit key.
        TRUSTED_PROXY_COUNT=0,
        REGISTRATION_RATE_LIMIT="30 per minute; 300 per hour",
        LOGIN_RATE_LIMIT="10 per minute",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure is added per request when it came over HTTPS (web/cookies.py), so that the
        # same configuration serves http://127.0.0.1 in development and HTTPS behind the proxy.
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_DURATION=timedelta(days=14),  # the festival and its rehearsals, no more
        WTF_CSRF_TIME_LIMIT=None,  # a form left open on a phone while queueing still submits
        # Flask-WTF's HTTPS check wants a Referer, which our no-referrer policy never sends; the
        # same-origin check of extensions.SameOriginCSRFProtect takes its place.
        WTF_CSRF_SSL_STRICT=False,
        # gunicorn's threads per worker (gunicorn.conf.py reads the same CHECKIN_THREADS): one
        # database connection each, plus DB_MAX_OVERFLOW for the rare second one (the
        # readiness probe, a signing-key refresh). README "Database connections".
        THREADS=8,
        DB_MAX_OVERFLOW=2,
        DB_POOL_TIMEOUT=10,
        DB_CONNECT_TIMEOUT=5,
        MAIL_URL=None,
        OUTBOX_PATH=str(instance / "outbox"),
        MAIL_SENDER="Không Một Mình <ve@khongmotminh.local>",
        MAIL_TIMEOUT=20,
        MAIL_WORKER_INTERVAL=5,  # seconds the worker sleeps when nothing is due
        # The site's public origin, for the links in e-mails (a worker has no request to ask).
        PUBLIC_URL=DEV_PUBLIC_URL,
        # The names the site answers to (a list, or comma-separated in CHECKIN_PUBLIC_HOSTS); a
        # request with another Host is 400. Unset: PUBLIC_URL's and SERVER_NAME's names, or any
        # name while PUBLIC_URL is the development default (web/input_guard.py).
        PUBLIC_HOSTS=None,
        # /find: per client address, and per e-mail or phone asked about (so that nobody
        # floods one person's inbox from many addresses).
        FIND_RATE_LIMIT="10 per minute; 60 per hour",
        FIND_ADDRESS_RATE_LIMIT="3 per 10 minutes; 10 per day",
        # The gate's hand lookup and admission by hand, per volunteer: a busy gate types a few a
        # minute; a script reading or burning the crowd's tickets is held to the same pace.
        GATE_LOOKUP_RATE_LIMIT="20 per minute; 200 per hour",
        GATE_MANUAL_RATE_LIMIT="10 per minute; 100 per hour",
        # The organisers' contact: the privacy notice, every page's footer and every e-mail.
        CONTACT_NAME="Ban tổ chức Không Một Mình",
        CONTACT_EMAIL="lienhe@khongmotminh.local",
        CONTACT_PHONE="",
        # Minutes a registration waits for the link in its e-mail before its seat goes back.
        HOLD_MINUTES=30,
        # The blank registration form is rendered once per language and state and kept, with the
        # CSRF token and the seats left filled in per request (checkin/public/views.py).
        KEEP_REGISTRATION_PAGES=True,
        # An issued ticket's page is rendered once per show, language and admission and kept,
        # each person's own values filled in per request (checkin/public/views.py).
        KEEP_TICKET_PAGES=True,
        # PostgreSQL: a pooled connection idle this long is pinged before use (checkin/database.py).
        DB_PING_AFTER_IDLE_SECONDS=10,
        # Before a reconfirmation's deadline, the silent get a reminder (checkin/reconfirmation.py).
        RECONFIRM_REMINDER_MINUTES=180,
        # Days after cancellation (or a lapsed hold) before a ticket's personal data is erased.
        CANCELLED_RETENTION_DAYS=7,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CHECKIN")
    if test_config:
        app.config.from_mapping(test_config)
    app.config["PUBLIC_URL_SET"] = app.config["PUBLIC_URL"] != DEV_PUBLIC_URL
    uri = database_uri(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    # Production is where several processes or machines must agree on secrets: any database
    # but SQLite (which lives in one instance folder), or CHECKIN_ENV=production.
    app.config.setdefault("ENV", "development" if uri.startswith("sqlite") else "production")
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV"] == "production":
            raise ConfigurationError(MISSING_SECRET_KEY)
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(uri, app.config)


class ConfigurationError(RuntimeError):
    """A setting production cannot do without; the process refuses to start."""


MISSING_SECRET_KEY = (
    "CHECKIN_SECRET_KEY is not set. In production (CHECKIN_ENV=production, the default when the "
    "database is not SQLite) every app server, the mail worker and every `flask --app checkin` "
    "command must be given the same secret key, or each would make its own: sessions, forms and "
    "the signing keys stored in the database would not work across servers. Generate one with "
    "`python3 -c 'import secrets; print(secrets.token_hex(32))'` and set CHECKIN_SECRET_KEY (or "
    "SECRET_KEY in instance/config.py) on every server."
)


def engine_options(uri: str, config) -> dict:
    """The connection pool sized from the threads that use it (README "Database connections")."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgresql"):
        options.setdefault("pool_size", int(config["THREADS"]))
        options.setdefault("max_overflow", int(config["DB_MAX_OVERFLOW"]))
        # A full pool answers 503 (web/errors.py) after this wait rather than queueing forever.
        options.setdefault("pool_timeout", float(config["DB_POOL_TIMEOUT"]))
        connect_args = dict(options.get("connect_args") or {})
        # A database host that does not answer makes a request wait this long, not minutes.
        connect_args.setdefault("connect_timeout", int(config["DB_CONNECT_TIMEOUT"]))
        options["connect_args"] = connect_args
    return options
