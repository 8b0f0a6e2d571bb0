"""Teachers' and guardians' routes: parse, call one domain function, render."""

from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import group_mail, group_pass, group_pdf, group_roster, group_tickets, school_groups, tickets
from ..database import utcnow
from ..errors import DomainError, InvalidInput, NotFound
from ..extensions import db, limiter
from ..group_models import GroupMember
from ..models import Show
from ..personal_data import PRIVACY_NOTICE_VERSION
from ..web.errors import STATUS
from ..web.messages import error_message, field_message
from . import bp
from .forms import ConsentForm, GroupRequestForm, RosterForm

GROUP_MESSAGES = {
    "group_too_large": _l("This group is larger than this show allows for one group."),
    "invalid_number": _l("Please enter a whole number (at least one adult)."),
    "too_many_pupils": _l("More pupils than the group's size: ask the organisers to resize the group."),
    "too_many_adults": _l("More adults than the group's size: ask the organisers to resize the group."),
    "not_utf8": _l("Please save the file as CSV UTF-8."),
    "too_many_rows": _l("The file has too many rows."),
    "not_a_spreadsheet": _l("This file could not be read: please upload an Excel (.xlsx) or CSV file."),
}
FIELD_NAMES = {"name": _l("name"), "birth_year": _l("year of birth"), "file": _l("file")}


def _message(code: str) -> str:
    return str(GROUP_MESSAGES[code]) if code in GROUP_MESSAGES else field_message(code)


def _limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _show(slug: str) -> Show:
    show = db.session.scalar(select(Show).where(Show.slug == slug))
    if show is None or school_groups.settings_of(db.session, show.id) is None:
        raise NotFound()
    return show


@bp.route("/shows/<slug>/groups/new", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def request_group(slug: str):
    form = GroupRequestForm()
    error, status = None, 200
    if request.method == "POST":
        try:
            made = school_groups.request_group(slug, form.values(), now=utcnow())
        except InvalidInput as invalid:
            for name, code in invalid.fields.items():
                getattr(form, name).errors = [_message(code)]
            error, status = error_message(invalid.code), 422
        except DomainError as refused:
            error, status = error_message(refused.code), STATUS.get(refused.code, 400)
        else:
            return redirect(url_for("groups.group_page", token=made.token), code=303)
    show = _show(slug)
    settings = school_groups.settings_of(db.session, show.id)
    return render_template(
        "groups/request.html", show=show, form=form, error=error, settings=settings
    ), status


def _group_page(token: str, roster_form=None, bad_rows=None, status=200):
    group = school_groups.group_by_token(db.session, token)
    show = db.session.get(Show, group.show_id)
    members = db.session.scalars(
        select(GroupMember)
        .where(GroupMember.group_id == group.id)
        .order_by(GroupMember.kind.desc(), GroupMember.position)
    ).all()
    rows = [(number, FIELD_NAMES.get(field, field), _message(code)) for number, field, code in bad_rows or []]
    return render_template(
        "groups/group.html",
        group=group,
        show=show,
        members=members,
        state=school_groups.group_state(db.session, group),
        roster_form=roster_form or RosterForm(),
        bad_rows=rows,
    ), status


@bp.get("/g/<token>")
def group_page(token: str):
    return _group_page(token)


def _lines(text: str | None) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate((text or "").splitlines(), start=1) if line.strip()]


@bp.post("/g/<token>/roster")
def add_roster(token: str):
    form = RosterForm()
    upload = form.pupils_file.data
    try:
        # The file when one is chosen, else the typed lines: either way rows are numbered as
        # the teacher sees them.
        data = upload.read() if upload else (form.pupils_text.data or "").encode()
        pupils = group_roster.read_class_list(data)
        group_roster.add_members(token, pupils, _lines(form.adults_text.data), now=utcnow())
    except group_roster.RosterInvalid as invalid:
        return _group_page(token, form, invalid.rows, 422)
    return redirect(url_for("groups.group_page", token=token), code=303)


@bp.post("/g/<token>/members/<int:member_id>/paper")
def attest_paper(token: str, member_id: int):
    group_roster.attest_paper(token, member_id, now=utcnow())
    return redirect(url_for("groups.group_page", token=token, _anchor=f"m{member_id}"), code=303)


@bp.post("/g/<token>/members/<int:member_id>/renew")
def renew_link(token: str, member_id: int):
    group_roster.renew_consent_link(token, member_id)
    return redirect(url_for("groups.group_page", token=token, _anchor=f"m{member_id}"), code=303)


@bp.post("/g/<token>/members/<int:member_id>/remove")
def remove_member(token: str, member_id: int):
    group_roster.remove_member(token, member_id)
    return redirect(url_for("groups.group_page", token=token), code=303)


@bp.route("/c/<token>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def consent(token: str):
    form = ConsentForm()
    error, status = None, 200
    if request.method == "POST":
        try:
            group_roster.give_online_consent(
                token,
                {"guardian_name": form.guardian_name.data, "guardian_consent": form.guardian_consent.data},
                now=utcnow(),
            )
        except InvalidInput as invalid:
            for name, code in invalid.fields.items():
                getattr(form, name).errors = [_message(code)]
            error, status = error_message(invalid.code), 422
        else:
            return redirect(url_for("groups.consent", token=token), code=303)
    asked = group_roster.consent_request(db.session, token)
    show = db.session.get(Show, asked.show_id)
    return render_template(
        "groups/consent.html", asked=asked, show=show, form=form, error=error, version=PRIVACY_NOTICE_VERSION
    ), status


@bp.post("/g/<token>/tickets")
def issue_tickets(token: str):
    group_tickets.issue(token, now=utcnow())
    return redirect(url_for("groups.tickets_page", token=token), code=303)


@bp.get("/g/<token>/tickets")
def tickets_page(token: str):
    group = school_groups.group_by_token(db.session, token)
    keyring = current_app.extensions["checkin_keyring"]
    entries = [
        (member, ticket, tickets.qr_svg(tickets.sign_payload(ticket.code, keyring)))
        for member, ticket in group_tickets.members_with_tickets(db.session, group)
        if ticket.status == "issued"
    ]
    return render_template(
        "groups/tickets.html",
        group=group,
        show=db.session.get(Show, group.show_id),
        entries=entries,
        format_code=tickets.format_code,
        pass_svg=tickets.qr_svg(group_pass.sign_pass(group.pass_code, keyring)),
    )


@bp.get("/g/<token>/tickets.pdf")
@limiter.limit(_limit)
def tickets_pdf(token: str):
    group = school_groups.group_by_token(db.session, token)
    pdf, _count = group_pdf.group_pdf(
        db.session, group, current_app.extensions["checkin_keyring"], pass_caption=_("Group pass")
    )
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = 'attachment; filename="tickets.pdf"'
    # Names of children: no shared cache keeps a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/g/<token>/email")
@limiter.limit(_limit)
def email_links(token: str):
    group_mail.send_links(token, now=utcnow())
    return redirect(url_for("groups.group_page", token=token, sent=1), code=303)
