"""The registration form. WTForms renders the fields and checks CSRF; the rules of what a valid
registrant is live in checkin/personal_data.py, shared with the API."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.fields import EmailField, TelField

from ..personal_data import EMAIL_MAX, NAME_MAX, PHONE_RAW_MAX


class RegistrationForm(FlaskForm):
    name = StringField(_l("Full name"), render_kw={"maxlength": NAME_MAX, "autocomplete": "name"})
    email = EmailField(_l("E-mail"), render_kw={"maxlength": EMAIL_MAX, "autocomplete": "email"})
    phone = TelField(_l("Phone number"), render_kw={"maxlength": PHONE_RAW_MAX, "autocomplete": "tel",
                                                     "placeholder": "0912 345 678"})
    birth_year = StringField(_l("Year of birth"), render_kw={"inputmode": "numeric", "maxlength": 4,
                                                            "pattern": "[0-9]{4}", "placeholder": "2008"})
    consent = BooleanField(_l("I agree to the processing of my personal data as described in the privacy notice."))
    guardian_name = StringField(_l("Parent's or guardian's full name"), render_kw={"maxlength": NAME_MAX})
    guardian_consent = BooleanField(_l(
        "I am the parent or guardian and I agree to the processing of this child's personal data."))
    join_waitlist = HiddenField(default="")

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "email": self.email.data,
            "phone": self.phone.data,
            "birth_year": self.birth_year.data,
            "consent": bool(self.consent.data),
            "guardian_name": self.guardian_name.data,
            "guardian_consent": bool(self.guardian_consent.data),
        }
