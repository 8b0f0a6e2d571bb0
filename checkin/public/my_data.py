"""The attendee's own data, from the ticket link: see it, download it, correct the name, erase
it, withdraw a guardian's consent (checkin/my_data.py). CSRFProtect guards every POST."""

from __future__ import annotations

import json

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from .. import my_data
from ..database import utcnow
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..personal_data import NAME_MAX
from ..registration import ticket_by_token
from ..web.messages import field_message
from . import bp


class NameForm(FlaskForm):
    name = StringField(_l("Full name"), render_kw={"maxlength": NAME_MAX, "autocomplete": "name"})


class EraseForm(FlaskForm):
    understood = BooleanField(
        _l("I understand: my ticket is cancelled and my data is erased. This cannot be undone.")
    )


def _page(
    token: str, name_form: NameForm | None = None, erase_form: EraseForm | None = None, status: int = 200
):
    ticket = ticket_by_token(db.session(), token)
    data = my_data.personal_data(db.session, token)
    name_form = name_form or NameForm(formdata=None, data={"name": ticket.name})
    return render_template(
        "public/my_data.html",
        ticket=ticket,
        show=ticket.show,
        data=data,
        name_form=name_form,
        erase_form=erase_form or EraseForm(formdata=None),
    ), status


@bp.get("/t/<token>/data")
def my_data_page(token: str):
    return _page(token)


@bp.get("/t/<token>/data.json")
def my_data_json(token: str):
    data = my_data.personal_data(db.session, token)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-data-{data["ticket_code"]}.json"'},
    )


@bp.post("/t/<token>/data/name")
def my_data_name(token: str):
    form = NameForm()
    try:
        my_data.correct_name(token, form.name.data, now=utcnow())
    except InvalidInput as error:
        form.name.errors = [field_message(code) for code in error.fields.values()]
        return _page(token, name_form=form, status=422)
    return redirect(url_for("public.my_data_page", token=token), code=303)


@bp.post("/t/<token>/data/erase")
@bp.post("/t/<token>/data/withdraw-guardian-consent", endpoint="my_data_withdraw")
def my_data_erase(token: str):
    form = EraseForm()
    if not form.understood.data:
        form.understood.errors = [_l("Tick the box to confirm.")]
        return _page(token, erase_form=form, status=422)
    try:
        my_data.erase(
            token,
            now=utcnow(),
            guardian_withdrawal=request.endpoint == "public.my_data_withdraw",
            outbox_folder=None if current_app.config["MAIL_URL"] else current_app.config["OUTBOX_PATH"],
        )
    except NotFound:
        return _page(token, erase_form=form, status=404)
    return redirect(url_for("public.my_data_page", token=token), code=303)
