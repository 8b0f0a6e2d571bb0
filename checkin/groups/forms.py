"""The forms of the school-group pages. WTForms renders them and checks CSRF; what a valid group,
roster or consent is lives in checkin/school_groups.py and checkin/group_roster.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.fields import EmailField, TelField

from ..personal_data import EMAIL_MAX, NAME_MAX, PHONE_RAW_MAX
from ..school_groups import CLASS_MAX, SCHOOL_MAX


class GroupRequestForm(FlaskForm):
    school = StringField(_l("School"), render_kw={"maxlength": SCHOOL_MAX})
    class_name = StringField(_l("Class"), render_kw={"maxlength": CLASS_MAX, "placeholder": "7A"})
    teacher_name = StringField(
        _l("Teacher's full name"), render_kw={"maxlength": NAME_MAX, "autocomplete": "name"}
    )
    teacher_email = EmailField(
        _l("Teacher's e-mail"), render_kw={"maxlength": EMAIL_MAX, "autocomplete": "email"}
    )
    teacher_phone = TelField(
        _l("Teacher's phone number"), render_kw={"maxlength": PHONE_RAW_MAX, "autocomplete": "tel"}
    )
    pupils = StringField(_l("Number of pupils"), render_kw={"inputmode": "numeric", "maxlength": 4})
    adults = StringField(
        _l("Number of accompanying adults (teachers included)"),
        render_kw={"inputmode": "numeric", "maxlength": 4},
    )
    consent = BooleanField(
        _l("I agree to the processing of my personal data as described in the privacy notice.")
    )

    def values(self) -> dict:
        return {
            name: getattr(self, name).data
            for name in (
                "school",
                "class_name",
                "teacher_name",
                "teacher_email",
                "teacher_phone",
                "pupils",
                "adults",
                "consent",
            )
        }


class RosterForm(FlaskForm):
    pupils_text = TextAreaField(
        _l("Pupils: one a line, name and year of birth separated by a comma"),
        render_kw={"rows": 6, "placeholder": "Nguyễn Văn An, 2013"},
    )
    pupils_file = FileField(
        _l("Or upload the class list (Excel or CSV: name, year of birth)"),
        render_kw={"accept": ".xlsx,.csv,text/csv"},
    )
    adults_text = TextAreaField(_l("Accompanying adults: one name a line"), render_kw={"rows": 2})


class ConsentForm(FlaskForm):
    guardian_name = StringField(_l("Parent's or guardian's full name"), render_kw={"maxlength": NAME_MAX})
    guardian_consent = BooleanField(
        _l("I am the parent or guardian and I agree to the processing of this child's personal data.")
    )
