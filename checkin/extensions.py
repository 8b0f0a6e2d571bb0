"""Unbound Flask extensions; create_app() binds them. Imports nothing of ours."""

from typing import TYPE_CHECKING

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
# The models' base class: db.Model is made at run time from Base, which is all a type checker
# can know of it (class X(db.Model) names a variable, not a type, to mypy).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()


class SameOriginCSRFProtect(CSRFProtect):
    """The session's token, and a same-origin check that works under our privacy policy.

    Flask-WTF's own check over HTTPS (WTF_CSRF_SSL_STRICT) demands a Referer naming this site,
    but `Referrer-Policy: no-referrer` (ticket links are secrets) makes browsers send none, so
    every form failed over HTTPS. Instead of weakening the policy we ask the headers browsers
    send for exactly this purpose and cannot be set by another site's page: Sec-Fetch-Site
    (must say same-origin, or none for a person's own navigation) and Origin (this site's, or
    `null`, which no-referrer produces). A browser that sends neither (older Safari) still
    needs the token, which stays the real defence; the origin check refuses a cross-site post
    even when a token leaked. It runs on every form and on the session API calls, which call
    protect() themselves (web/staff_session.py), over HTTP and HTTPS alike.
    """

    def protect(self, apply_exemptions=False):
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        super().protect()
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            self._error_response("The request came from another site.")
        origin = request.headers.get("Origin")
        if origin and origin != "null" and origin.lower() != f"{request.scheme}://{request.host}".lower():
            self._error_response("The origin does not match the host.")


csrf = SameOriginCSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
