"""The standby line's public pages: join (from the poster's QR code), one's pass, the board."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.fields import TelField

from .. import standby, tickets
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db, limiter
from ..personal_data import NAME_MAX, PHONE_RAW_MAX
from ..shows import get_show
from ..web.errors import STATUS
from ..web.messages import error_message, field_message
from . import bp


class StandbyForm(FlaskForm):
    name = StringField(_l("Full name"), render_kw={"maxlength": NAME_MAX, "autocomplete": "name"})
    phone = TelField(_l("Phone number"), render_kw={"maxlength": PHONE_RAW_MAX, "autocomplete": "tel",
                                                     "placeholder": "0912 345 678"})
    consent = BooleanField(_l("I agree to the processing of my personal data as described in the privacy notice."))


def join_page(slug: str, *, staff_id: int | None, template: str, done_endpoint: str):
    """The join form and its answer, for the public page and the volunteer's."""
    show = get_show(db.session, slug)
    form = StandbyForm()
    status = 200
    error = None
    if form.validate_on_submit():
        if not form.consent.data:
            form.consent.errors = [field_message("consent_required")]
            status = 422
        else:
            try:
                joined = standby.join(slug, {"name": form.name.data, "phone": form.phone.data}, now=utcnow(),
                                      staff_id=staff_id)
            except DomainError as failed:
                db.session.rollback()
                status = STATUS.get(failed.code, 400)
                error = error_message(failed.code)
                for name, code in getattr(failed, "fields", {}).items():
                    getattr(form, name).errors = [field_message(code)]
            else:
                return redirect(url_for(done_endpoint, token=joined.token), code=303)
    elif form.is_submitted():
        status = 422
    return render_template(template, show=show, form=form, error=error), status


@bp.route("/shows/<slug>/standby", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("STANDBY_RATE_LIMIT", "20/minute"), methods=["POST"])
def standby_join(slug: str):
    return join_page(slug, staff_id=None, template="public/standby_join.html", done_endpoint="public.standby_pass")


@bp.get("/s/<token>")
def standby_pass(token: str):
    found = standby.pass_by_token(db.session, token)
    show = found.show
    board = standby.board(db.session, show, utcnow())
    payload = standby.sign_pass(found.code, current_app.extensions["checkin_keyring"])
    return render_template("public/standby_pass.html", found=found, show=show, board=board,
                           code=tickets.format_code(found.code), qr_svg=tickets.qr_svg(payload))


@bp.get("/shows/<slug>/board")
def standby_board(slug: str):
    show = get_show(db.session, slug)
    return render_template("public/standby_board.html", show=show, board=standby.board(db.session, show, utcnow()))


@bp.get("/shows/<slug>/board.json")
def standby_board_json(slug: str):
    show = get_show(db.session, slug)
    board = standby.board(db.session, show, utcnow())
    data = board.to_json() if board else {"issued": 0, "called_up_to": 0, "admitted": 0, "inside": 0, "started": False}
    response = jsonify({"called_up_to": data["called_up_to"], "issued": data["issued"], "started": data["started"]})
    response.headers["Cache-Control"] = "no-store"
    return response


