"""The registration form. WTForms renders the fields and checks CSRF; the rules of what a valid
registrant is live in checkin/personal_data.py, shared with the API."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.fields import EmailField, TelField

from ..personal_data import EMAIL_MAX, NAME_MAX, PHONE_RAW_MAX

_STRINGS = ("name", "email", "phone", "birth_year", "guardian_name")
_CHECKBOXES = ("consent", "guardian_consent")


class RegistrationForm(FlaskForm):
    name = StringField(_l("Full name"), render_kw={"maxlength": NAME_MAX, "autocomplete": "name"})
    email = EmailField(_l("E-mail"), render_kw={"maxlength": EMAIL_MAX, "autocomplete": "email"})
    phone = TelField(
        _l("Phone number"),
        render_kw={"maxlength": PHONE_RAW_MAX, "autocomplete": "tel", "placeholder": "0912 345 678"},
    )
    birth_year = StringField(
        _l("Year of birth"),
        render_kw={"inputmode": "numeric", "maxlength": 4, "pattern": "[0-9]{4}", "placeholder": "2008"},
    )
    consent = BooleanField(
        _l("I agree to the processing of my personal data as described in the privacy notice.")
    )
    guardian_name = StringField(_l("Parent's or guardian's full name"), render_kw={"maxlength": NAME_MAX})
    guardian_consent = BooleanField(
        _l("I am the parent or guardian and I agree to the processing of this child's personal data.")
    )
    join_waitlist = HiddenField(default="")

    @staticmethod
    def posted_values(formdata) -> dict:
        """The registrant's values straight from a POST's form data: a registration that
        succeeds never shows the form, so it need not build one."""
        values = {name: formdata.get(name) for name in _STRINGS}
        for name in _CHECKBOXES:  # BooleanField: absent, "" and "false" are unchecked
            values[name] = formdata.get(name) not in (None, "", "false")
        return values
