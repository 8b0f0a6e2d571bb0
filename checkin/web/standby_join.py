"""Joining the standby line: the form and its answer, shared by the public page (from the
poster's QR code) and the volunteer's desk at the gate (someone without a phone)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.fields import TelField

from .. import standby
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..personal_data import NAME_MAX, PHONE_RAW_MAX
from ..shows import get_show
from .errors import STATUS
from .messages import error_message, field_message


class StandbyForm(FlaskForm):
    name = StringField(_l("Full name"), render_kw={"maxlength": NAME_MAX, "autocomplete": "name"})
    phone = TelField(
        _l("Phone number"),
        render_kw={"maxlength": PHONE_RAW_MAX, "autocomplete": "tel", "placeholder": "0912 345 678"},
    )
    consent = BooleanField(
        _l("I agree to the processing of my personal data as described in the privacy notice.")
    )


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
                joined = standby.join(
                    slug, {"name": form.name.data, "phone": form.phone.data}, now=utcnow(), staff_id=staff_id
                )
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
