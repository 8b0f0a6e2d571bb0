"""The console's forms. WTForms checks CSRF, types and ranges with translated messages; the
domain modules check the rules again for every other entry point."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField, DateTimeLocalField, SearchField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ..bounds import INT_MAX, sane_date, sane_datetime
from ..shows import to_local, to_utc
from .labels import STATUSES

REQUIRED = _l("Please fill in this field.")
TOO_LONG = _l("This is too long.")
OUT_OF_RANGE = _l("Please enter a date between the years 2000 and 2099.")


class WholeNumberField(IntegerField):
    """An integer field whose parse error is ours, so it is translated like the rest."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Please enter a whole number.")) from None


class LocalTimeField(DateTimeLocalField):
    """A festival-local (Hanoi) date and time in the browser; naive UTC in `utc`."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%dT%H:%M", **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Please enter a date and time.")) from None
        if self.data is not None and not sane_datetime(self.data):
            self.data = None
            raise ValueError(OUT_OF_RANGE)

    def process_data(self, value):
        super().process_data(to_local(value).replace(tzinfo=None) if value else value)

    @property
    def utc(self):
        return to_utc(self.data) if self.data else None


class DayField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Please enter a date.")) from None
        if self.data is not None and not sane_date(self.data):
            self.data = None
            raise ValueError(OUT_OF_RANGE)


def _required():
    return InputRequired(message=REQUIRED)


def _count():
    return [
        _required(),
        NumberRange(min=0, max=10_000_000, message=_l("Please enter zero or a positive number.")),
    ]


class ShowForm(FlaskForm):
    slug = StringField(
        _l("Short name in links"),
        validators=[
            _required(),
            Regexp(
                r"^[a-z0-9][a-z0-9-]{1,39}$",
                message=_l("2 to 40 lower-case letters, digits or dashes, e.g. gala-2026."),
            ),
        ],
    )
    title_vi = StringField(
        _l("Title in Vietnamese"), validators=[_required(), Length(max=200, message=TOO_LONG)]
    )
    title_en = StringField(
        _l("Title in English"), validators=[_required(), Length(max=200, message=TOO_LONG)]
    )
    venue = StringField(_l("Venue"), validators=[_required(), Length(max=300, message=TOO_LONG)])
    doors_open_at = LocalTimeField(_l("Doors open (Hanoi time)"), validators=[_required()])
    starts_at = LocalTimeField(_l("Starts (Hanoi time)"), validators=[_required()])
    ends_at = LocalTimeField(_l("Ends (Hanoi time)"), validators=[_required()])
    ticket_quota = WholeNumberField(_l("Ticket quota (tickets that may be issued)"), validators=_count())
    venue_capacity = WholeNumberField(_l("Venue capacity (people inside at once)"), validators=_count())
    reentry_allowed = BooleanField(_l("Re-entry allowed (attendees may go out and come back)"))
    registration_opens_at = LocalTimeField(_l("Registration opens (Hanoi time)"), validators=[_required()])
    registration_closes_at = LocalTimeField(_l("Registration closes (Hanoi time)"), validators=[_required()])
    waitlist_cutoff_minutes = WholeNumberField(
        _l("Waitlist closes this many minutes before doors open"), validators=_count()
    )
    offline_names = BooleanField(_l("Show attendees' names on gate phones when offline"))
    programme_vi = TextAreaField(
        _l("Programme in Vietnamese (one item a line)"),
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
    )
    programme_en = TextAreaField(
        _l("Programme in English (one item a line)"),
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
    )

    def values(self) -> dict:
        values = {
            name: getattr(self, name).data
            for name in (
                "title_vi",
                "title_en",
                "venue",
                "ticket_quota",
                "venue_capacity",
                "reentry_allowed",
                "waitlist_cutoff_minutes",
                "offline_names",
                "programme_vi",
                "programme_en",
            )
        }
        values["reentry_allowed"] = bool(values["reentry_allowed"])
        values["offline_names"] = bool(values["offline_names"])
        for name in (
            "doors_open_at",
            "starts_at",
            "ends_at",
            "registration_opens_at",
            "registration_closes_at",
        ):
            values[name] = getattr(self, name).utc
        return values


class EditShowForm(ShowForm):
    slug = None  # type: ignore[assignment]  # WTForms' documented way to drop an inherited field


class ActionForm(FlaskForm):
    """A button that changes something: CSRF only."""


class RegistrationSwitchForm(FlaskForm):
    registration = HiddenField(validators=[InputRequired()])


class GateForm(FlaskForm):
    label = StringField(_l("Gate name"), validators=[_required(), Length(max=40, message=TOO_LONG)])


class StaffForm(FlaskForm):
    name = StringField(
        _l("Account name"),
        validators=[_required(), Length(max=80, message=TOO_LONG)],
        render_kw={"autocapitalize": "none", "autocomplete": "off"},
    )
    role = SelectField(_l("Role"), validate_choice=False, validators=[_required()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("volunteer", _l("Volunteer")), ("organiser", _l("Organiser"))]


class PairingForm(FlaskForm):
    staff_id = SelectField(
        _l("Volunteer"),
        coerce=int,
        validate_choice=False,
        validators=[_required(), NumberRange(min=1, max=INT_MAX)],
    )
    gate = SelectField(_l("Show and gate"), validate_choice=False, validators=[_required()])


class SearchForm(FlaskForm):
    """Posted, never in the URL: a name, e-mail or phone number is personal data, and URLs
    end up in access logs and browser history."""

    q = SearchField(_l("Name, e-mail, phone or ticket code"), validators=[Optional(), Length(max=100)])
    show = SelectField(_l("Show"), validate_choice=False, validators=[Optional()])
    status = SelectField(_l("Status"), validate_choice=False, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("All")), *STATUSES.items()]


class ScanFilterForm(FlaskForm):
    """GET filters without personal data: no CSRF, since they change nothing."""

    class Meta:
        csrf = False

    show = SelectField(_l("Show"), validate_choice=False, validators=[Optional()])
    # Choices, filled by filters.scan_filter from the shows' gates and the known results; an
    # older link's value that is no longer a choice still filters (validate_choice=False).
    gate = SelectField(_l("Gate"), validate_choice=False, validators=[Optional(), Length(max=40)])
    result = SelectField(_l("Result"), validate_choice=False, validators=[Optional(), Length(max=20)])
    day = DayField(_l("Day (Hanoi time)"), validators=[Optional()])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # An account's id: digits that fit the column, or nothing (everyone).
    actor = SelectField(_l("Who"), validate_choice=False, validators=[Optional(), Regexp(r"^[0-9]{1,9}$")])
    action = SelectField(_l("What"), validate_choice=False, validators=[Optional()])
    day = DayField(_l("Day (Hanoi time)"), validators=[Optional()])


class MoveForm(FlaskForm):
    status = HiddenField(validators=[InputRequired()])


class AdmitForm(FlaskForm):
    gate = StringField(_l("Gate"), validators=[_required(), Length(max=40, message=TOO_LONG)])
    reason = StringField(_l("Reason"), validators=[_required(), Length(max=200, message=TOO_LONG)])


class ReconfirmationForm(FlaskForm):
    deadline = LocalTimeField(_l("Answer by (Hanoi time)"), validators=[_required()])
    remind_minutes = WholeNumberField(
        _l("Remind the silent this many minutes before (0: no reminder)"), validators=_count()
    )


class StandbyForm(FlaskForm):
    starts_at = LocalTimeField(_l("Standby admission starts at (Hanoi time)"), validators=[Optional()])
    below_expected = WholeNumberField(
        _l("…or once fewer than this many ticket holders are still expected"),
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000_000, message=_l("Please enter zero or a positive number.")),
        ],
    )
    kept_places = WholeNumberField(_l("Places kept for late ticket holders"), validators=_count())


class HolderMessageForm(FlaskForm):
    audience = SelectField(_l("To"))
    subject_vi = StringField(
        _l("Subject in Vietnamese"), validators=[_required(), Length(max=200, message=TOO_LONG)]
    )
    body_vi = TextAreaField(
        _l("Message in Vietnamese"), validators=[_required(), Length(max=5000, message=TOO_LONG)]
    )
    subject_en = StringField(
        _l("Subject in English"), validators=[_required(), Length(max=200, message=TOO_LONG)]
    )
    body_en = TextAreaField(
        _l("Message in English"), validators=[_required(), Length(max=5000, message=TOO_LONG)]
    )
    request_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.audience.choices = [
            ("issued", _l("Ticket holders")),
            ("waitlisted", _l("People on the waitlist")),
            ("standby", _l("The standby line (on their standby pass page)")),
            ("all", _l("Everyone: ticket holders, the waitlist and the standby line")),
        ]
