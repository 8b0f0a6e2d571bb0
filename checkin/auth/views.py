"""Staff sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db, limiter
from ..staff import authenticate, sign_out_everywhere
from . import bp

# Our own words: WTForms' built-in messages have no Vietnamese catalogue, so a Vietnamese page
# would say "This field is required."
REQUIRED = _l("Please fill in this field.")
TOO_LONG = _l("This is too long.")


class LoginForm(FlaskForm):
    name = StringField(
        _l("Account name"),
        validators=[DataRequired(REQUIRED), Length(max=80, message=TOO_LONG)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)],
        render_kw={"autocomplete": "current-password"},
    )


def _home_for(staff) -> str:
    endpoint = "organiser.index" if staff.is_organiser else "gate.index"
    if endpoint in current_app.view_functions:
        return url_for(endpoint)
    return url_for("public.index")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: an open redirect would help phishing."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        staff = authenticate(db.session, form.name.data, form.password.data)
        if staff is not None:
            login_user(staff, remember=True)
            return redirect(_safe_next(request.args.get("next")) or _home_for(staff), code=303)
        failed = True
    elif request.method == "GET" and current_user.is_authenticated:
        return redirect(_home_for(current_user))
    status = 401 if failed else (400 if form.errors else 200)
    return render_template("auth/login.html", form=form, failed=failed), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sign_out_everywhere(current_user.id)
    logout_user()
    return redirect(url_for("public.index"), code=303)
