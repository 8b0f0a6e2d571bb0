"""checkin: ticketing and gate check-in for the Không Một Mình Online Safety Day.

create_app() reads as the table of contents of the application.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import configure
from .database import ping_when_idle
from .extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("CHECKIN_INSTANCE_PATH")
        or (test_config or {}).get("INSTANCE_PATH")
        or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    configure(app, test_config)
    register_proxy(app)
    register_extensions(app)
    register_blueprints(app)
    register_web_hooks(app)
    register_cli(app)
    return app


def register_proxy(app: Flask) -> None:
    """Behind the TLS proxy, the client's address (the rate limits' key) and scheme come from
    its X-Forwarded-* headers, and only from as many proxies as configured. Cookies are made
    Secure inside it, where the scheme is the browser's."""
    from .web.cookies import SecureCookies

    app.wsgi_app = SecureCookies(app.wsgi_app)  # type: ignore[method-assign]  # Flask's documented middleware pattern
    hops = int(app.config["TRUSTED_PROXY_COUNT"])
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented middleware pattern
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def register_extensions(app: Flask) -> None:
    from .web import locale, staff_session

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=locale.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    staff_session.configure(login_manager)
    app.extensions["checkin_keyring"] = signing_keys(app)
    with app.app_context():
        ping_when_idle(db.engine, float(app.config["DB_PING_AFTER_IDLE_SECONDS"]))


def signing_keys(app: Flask):
    """The deployment's keys, shared through the database (keystore.py); read on first use, so
    that `flask db upgrade` runs before any table is there."""
    from .keystore import StoredKeyring

    with app.app_context():
        engine = db.engine
    return StoredKeyring(engine, app.config["SECRET_KEY"], legacy_folder=Path(app.instance_path) / "keys")


def register_blueprints(app: Flask) -> None:
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .gate import bp as gate_bp
    from .groups import bp as groups_bp
    from .organiser import bp as organiser_bp
    from .public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(gate_bp)
    app.register_blueprint(organiser_bp, url_prefix="/organiser")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    # Bearer-token or anonymous JSON; a call that rides a staff session checks the CSRF header
    # itself (web/staff_session.api_staff_required).
    csrf.exempt(api_bp)


def register_web_hooks(app: Flask) -> None:
    from .web import errors, formats, headers, input_guard, locale, logs

    formats.register(app)
    errors.register(app)
    input_guard.register(app)
    headers.register(app)
    locale.register(app)
    logs.register(app)


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)
