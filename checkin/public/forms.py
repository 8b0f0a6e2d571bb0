"""The registration form. WTForms renders the fields and checks CSRF; the rules of what a valid
registrant is live in checkin/personal_data.py, shared with the API."""
from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, HiddenField, StringField, widgets
from wtforms.fields import EmailField, TelField

from ..personal_data import EMAIL_MAX, NAME_MAX, PHONE_RAW_MAX

_STRINGS = ("name", "email", "phone", "birth_year", "guardian_name")
_CHECKBOXES = ("consent", "guardian_consent")


@functools.lru_cache(maxsize=256)
def _cached_html_params(items: tuple) -> Markup:
    return widgets.html_params(**{key: value for key, _, value in items})


def _html_params(**kwargs) -> Markup:
    """WTForms' html_params, remembered: the registration page renders the same few inputs for
    every visitor, and building their attributes was a fifth of the page's time. Only plain
    strings, numbers and booleans are remembered, keyed with their type (Markup("<b>") == "<b>", but
    the two are escaped differently); anything else is built as usual."""
    if all(type(value) in (str, bool, int) for value in kwargs.values()):
        return _cached_html_params(tuple(sorted((key, type(value), value) for key, value in kwargs.items())))
    return widgets.html_params(**kwargs)


class _TextInput(widgets.TextInput):
    html_params = staticmethod(_html_params)


class _EmailInput(widgets.EmailInput):
    html_params = staticmethod(_html_params)


class _TelInput(widgets.TelInput):
    html_params = staticmethod(_html_params)


class _CheckboxInput(widgets.CheckboxInput):
    html_params = staticmethod(_html_params)


class _HiddenInput(widgets.HiddenInput):
    html_params = staticmethod(_html_params)


class RegistrationForm(FlaskForm):
    name = StringField(_l("Full name"), widget=_TextInput(),
                       render_kw={"maxlength": NAME_MAX, "autocomplete": "name"})
    email = EmailField(_l("E-mail"), widget=_EmailInput(),
                       render_kw={"maxlength": EMAIL_MAX, "autocomplete": "email"})
    phone = TelField(_l("Phone number"), widget=_TelInput(),
                     render_kw={"maxlength": PHONE_RAW_MAX, "autocomplete": "tel", "placeholder": "0912 345 678"})
    birth_year = StringField(_l("Year of birth"), widget=_TextInput(),
                             render_kw={"inputmode": "numeric", "maxlength": 4, "pattern": "[0-9]{4}",
                                        "placeholder": "2008"})
    consent = BooleanField(_l("I agree to the processing of my personal data as described in the privacy notice."),
                           widget=_CheckboxInput())
    guardian_name = StringField(_l("Parent's or guardian's full name"), widget=_TextInput(),
                                render_kw={"maxlength": NAME_MAX})
    guardian_consent = BooleanField(_l(
        "I am the parent or guardian and I agree to the processing of this child's personal data."),
        widget=_CheckboxInput())
    join_waitlist = HiddenField(default="", widget=_HiddenInput())

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

    @staticmethod
    def posted_values(formdata) -> dict:
        """values() of the form a POST would build, read straight from the request's form: a
        registration that succeeds never shows the form, so it need not build one."""
        values = {name: formdata.get(name) for name in _STRINGS}
        for name in _CHECKBOXES:  # BooleanField: absent, "" and "false" are unchecked
            values[name] = formdata.get(name) not in (None, "", "false")
        return values
