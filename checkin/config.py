"""Configuration: defaults, then instance/config.py, then CHECKIN_* environment, then tests."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

MAX_BODY_BYTES = 64 * 1024


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
            return "postgresql+psycopg://" + uri[len(prefix):]
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
        # Proxies in front that set X-Forwarded-For/-Proto/-Host (1 behind the TLS proxy). 0
        # trusts no header: a client could otherwise pick its own rate-limit key.
        TRUSTED_PROXY_COUNT=0,
        REGISTRATION_RATE_LIMIT="30 per minute; 300 per hour",
        LOGIN_RATE_LIMIT="10 per minute",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a form left open on a phone while queueing still submits
        MAIL_URL=None,
        OUTBOX_PATH=str(instance / "outbox"),
        MAIL_SENDER="Không Một Mình <ve@khongmotminh.local>",
        MAIL_TIMEOUT=20,
        MAIL_WORKER_INTERVAL=5,  # seconds the worker sleeps when nothing is due
        # The site's public origin, for the links in e-mails (a worker has no request to ask).
        PUBLIC_URL="http://127.0.0.1:5000",
        # /find: per client address, and per e-mail or phone asked about (so that nobody
        # floods one person's inbox from many addresses).
        FIND_RATE_LIMIT="10 per minute; 60 per hour",
        FIND_ADDRESS_RATE_LIMIT="3 per 10 minutes; 10 per day",
        # The organisers' contact: the privacy notice, every page's footer and every e-mail.
        CONTACT_NAME="Ban tổ chức Không Một Mình",
        CONTACT_EMAIL="lienhe@khongmotminh.local",
        CONTACT_PHONE="",
        # Minutes a registration waits for the link in its e-mail before its seat goes back.
        HOLD_MINUTES=30,
        # Days after cancellation (or a lapsed hold) before a ticket's personal data is erased.
        CANCELLED_RETENTION_DAYS=7,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CHECKIN")
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    uri = database_uri(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
