"""Pairing a phone: the one-time link an organiser shows as a QR signs the phone in as the
volunteer, at the show and gate the organiser chose."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_login import login_user
from flask_wtf import FlaskForm

from ..database import utcnow
from ..errors import NotFound
from ..extensions import limiter
from ..staff import redeem_pairing
from . import bp


@bp.get("/pair/<code>")
def pair(code: str):
    """A page with one button: link previews and prefetchers must not use up the code."""
    return render_template("auth/pair.html", form=FlaskForm(), code=code)


@bp.post("/pair/<code>")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def pair_confirm(code: str):
    form = FlaskForm()
    if not form.validate_on_submit():
        return render_template("auth/pair.html", form=form, code=code, expired_form=True), 400
    try:
        pairing = redeem_pairing(code, now=utcnow())
    except NotFound:
        return render_template("auth/pair.html", form=form, code=code, used=True), 404
    login_user(pairing.staff, remember=True)
    if "gate.setup" not in current_app.view_functions:
        return redirect(url_for("public.index"), code=303)
    # The gate page keeps the choice its own way: hand it over through its own form.
    return render_template(
        "auth/paired.html",
        form=FlaskForm(),
        staff=pairing.staff,
        show_slug=pairing.show_slug,
        gate=pairing.gate,
    )
