"""The scanner page and the show-and-gate picker. The scanner itself talks to /api/v1/scans."""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from flask import g, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from ..admission import GATE_MAX
from ..extensions import db
from ..models import Gate, Show
from ..shows import list_shows, to_local
from ..web.locale import current_locale
from ..web.staff_session import page_staff_required
from . import bp

# The device keeps its show and gate: a phone handed over at a shift change stays set up.
CHOICE_COOKIE = "checkin_gate"
CHOICE_MAX_AGE = 7 * 24 * 3600


class GateChoiceForm(FlaskForm):
    show = HiddenField(validators=[DataRequired(), Length(max=40)])
    gate = HiddenField(validators=[DataRequired(), Length(max=GATE_MAX)])


def _choice() -> tuple[Show, str] | None:
    """The device's saved choice, if it still names a show and one of its gates."""
    saved = parse_qs(request.cookies.get(CHOICE_COOKIE, ""))
    slug, gate = saved.get("show", [""])[0], saved.get("gate", [""])[0]
    show = db.session.scalar(select(Show).where(Show.slug == slug)) if slug else None
    if show is None or gate not in {g.label for g in show.gates}:
        return None
    return show, gate


@bp.get("/gate")
@page_staff_required("volunteer")
def index():
    choice = _choice()
    if choice is None:
        return redirect(url_for("gate.setup"))
    show, gate = choice
    return render_template("gate/scanner.html", show=show, gate=gate, title=show.title(current_locale()),
                           doors=to_local(show.doors_open_at), staff=g.staff)


@bp.route("/gate/setup", methods=["GET", "POST"])
@page_staff_required("volunteer")
def setup():
    form = GateChoiceForm()
    if form.validate_on_submit():
        gate = db.session.scalar(select(Gate).join(Show).where(
            Show.slug == form.show.data, Gate.label == form.gate.data))
        if gate is not None:
            response = make_response(redirect(url_for("gate.index"), code=303))
            response.set_cookie(CHOICE_COOKIE, urlencode({"show": form.show.data, "gate": gate.label}),
                                max_age=CHOICE_MAX_AGE, httponly=True, samesite="Lax",
                                secure=request.is_secure)
            return response
        form.gate.errors = ["unknown_gate"]
    current = _choice()
    status = 400 if form.errors else 200
    return render_template("gate/setup.html", form=form, shows=list_shows(db.session), locale_title=current_locale(),
                           current=current, to_local=to_local), status
