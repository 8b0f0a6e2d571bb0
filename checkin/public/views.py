"""Attendees' routes: parse, call one domain function, render."""

from __future__ import annotations

import re
import secrets
from types import SimpleNamespace

from flask import Response, current_app, g, redirect, render_template, request, url_for
from flask_babel import get_translations, ngettext
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

from .. import ticket_qr, tickets, waitlist
from ..database import utcnow
from ..errors import DomainError, InvalidInput
from ..extensions import db, limiter
from ..models import Show
from ..personal_data import PRIVACY_NOTICE_VERSION
from ..registration import confirm
from ..registration import register as register_person
from ..shows import detached_show, list_shows, registration_state
from ..web.errors import STATUS
from ..web.formats import masked_email
from ..web.locale import current_locale
from ..web.mail import contact, hold_time
from ..web.messages import error_message, field_message
from . import bp
from .forms import RegistrationForm


def _keyring():
    return current_app.extensions["checkin_keyring"]


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


@bp.get("/")
def index():
    now = utcnow()
    shows = [(show, registration_state(show, now)) for show in list_shows(db.session)]
    return render_template("public/index.html", shows=shows)


@bp.app_context_processor
def organiser_contact() -> dict:
    """The organisers' contact, for every page's footer and the privacy notice."""
    return {"contact": contact()}


@bp.get("/privacy")
def privacy():
    return render_template(
        "public/privacy.html",
        version=PRIVACY_NOTICE_VERSION,
        retention_days=Show.retention_days.default.arg,
        hold_minutes=int(current_app.config["HOLD_MINUTES"]),
    )


@bp.route("/shows/<slug>/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def register(slug: str):
    form = None
    error_code = None
    status = 200
    if request.method == "POST":
        # CSRFProtect checked the token before the view ran (g.csrf_valid). A registration that
        # succeeds is answered by a redirect alone: neither the show nor the form object is
        # built for it, only for a page shown again.
        if not g.get("csrf_valid"):
            form = RegistrationForm()
            if not form.validate():  # CSRF, should the global check ever be off
                error_code, status = "csrf", 400
        if error_code is None:
            try:
                register_person(
                    slug,
                    RegistrationForm.posted_values(request.form),
                    now=utcnow(),
                    locale=current_locale(),
                    join_waitlist=request.form.get("join_waitlist") == "1",
                    hold=hold_time(),
                )
            except InvalidInput as error:
                form = form or RegistrationForm()
                for name, code in error.fields.items():
                    getattr(form, name).errors = [field_message(code)]
                error_code, status = error.code, 422
            except DomainError as error:
                error_code, status = error.code, STATUS.get(error.code, 400)
            else:
                # The same answer for a new and a known person: the ticket link travels by e-mail.
                return redirect(url_for("public.registered", slug=slug), code=303)
    show, row = _show(slug)
    now = utcnow()
    state = registration_state(show, now)
    waitlist_open = state == "full" and waitlist.is_open(show, now)
    if request.method == "GET":
        return _blank_registration_page(show, row, state, waitlist_open)
    return render_template(
        "public/register.html",
        show=show,
        form=form or RegistrationForm(),
        state=state,
        error_code=error_code,
        waitlist_open=waitlist_open,
        error=error_message(error_code) if error_code else None,
    ), status


def _show(slug: str) -> tuple[Show, dict]:
    return detached_show(db.session, slug)


# The blank registration page is the same for every visitor of a show in one language but for
# two things: the CSRF token and the number of seats left. It is rendered once with
# placeholders for them, and each visitor gets a copy with theirs filled in. The key holds
# everything else the page is made of, so a change of the show, of its state or of the
# language renders it again. Placeholders that do not appear exactly once (the template
# changed) turn the copy off for that page rather than risk a wrong one.
_TOKEN_PLACEHOLDER = "csrf-placeholder-" + secrets.token_hex(12)
_SEATS_PLACEHOLDER = 987_654_321
_PAGES_KEPT = 64
_UNCACHEABLE = object()


def _seats_left_text(seats: int) -> str:
    # What register.html's ngettext renders for this number, in the request's language.
    return ngettext("%(num)d seat left", "%(num)d seats left", seats)


def _registration_page(show: Show, state: str, waitlist_open: bool) -> str:
    return render_template(
        "public/register.html",
        show=show,
        form=RegistrationForm(),
        state=state,
        error_code=None,
        waitlist_open=waitlist_open,
        error=None,
    )


def _blank_registration_page(show: Show, row: dict, state: str, waitlist_open: bool) -> str:
    # CHECKIN_KEEP_REGISTRATION_PAGES off: every page rendered afresh (the tests compare the two).
    if not current_app.config["KEEP_REGISTRATION_PAGES"]:
        return _registration_page(show, state, waitlist_open)
    pages = current_app.extensions.setdefault("checkin_registration_pages", {})
    key = (
        current_locale(),
        request.script_root,
        state,
        waitlist_open,
        tuple(sorted((k, v) for k, v in row.items() if k != "issued_count")),
    )
    cached = pages.get(key)
    if cached is None:
        cached = _render_with_placeholders(show, row, state, waitlist_open)
        if len(pages) >= _PAGES_KEPT:
            pages.clear()
        pages[key] = cached
    if cached is _UNCACHEABLE:
        return _registration_page(show, state, waitlist_open)
    page, seats_placeholder = cached
    page = page.replace(_TOKEN_PLACEHOLDER, generate_csrf(), 1)
    if state == "open":
        page = page.replace(seats_placeholder, _seats_left_text(show.seats_left), 1)
    return page


def _render_with_placeholders(show: Show, row: dict, state: str, waitlist_open: bool):
    """The page with the placeholders, and the placeholder's seats text as it appears in it."""
    form = RegistrationForm()
    form.csrf_token.current_token = _TOKEN_PLACEHOLDER
    placeholder_show = Show(**dict(row, issued_count=row["ticket_quota"] - _SEATS_PLACEHOLDER))
    page = render_template(
        "public/register.html",
        show=placeholder_show,
        form=form,
        state=state,
        error_code=None,
        waitlist_open=waitlist_open,
        error=None,
    )
    seats_placeholder = _seats_left_text(_SEATS_PLACEHOLDER)
    if page.count(_TOKEN_PLACEHOLDER) != 1 or page.count(seats_placeholder) != (1 if state == "open" else 0):
        return _UNCACHEABLE
    return page, seats_placeholder


@bp.get("/shows/<slug>/registered")
def registered(slug: str):
    show, _ = _show(slug)
    return render_template(
        "public/registered.html", show=show, minutes=int(current_app.config["HOLD_MINUTES"])
    )


@bp.get("/t/<token>")
def ticket(token: str):
    page = ticket_qr.ticket_page(db.session(), token, _keyring())
    if page.awaiting_confirmation:
        # Opened from the e-mail: that proves the address, and confirms the hold (or finds it
        # lapsed). A GET, because the link is what the person has; confirming twice is a no-op.
        confirm(token, now=utcnow())
        page = ticket_qr.ticket_page(db.session(), token, _keyring())
    if page.ticket.status == "issued" and current_app.config["KEEP_TICKET_PAGES"]:
        kept = _kept_ticket_page(page)
        if kept is not None:
            return kept
    return _ticket_page(page, page.ticket, page.svg, tickets.format_code(page.ticket.code))


def _ticket_page(page: ticket_qr.TicketPage, ticket, svg: str | None, code: str) -> str:
    return render_template(
        "public/ticket.html",
        ticket=ticket,
        show=page.show,
        qr_svg=svg,
        code=code,
        position=page.position,
        _=_request_gettext(),
    )


# An issued ticket's page is the same for every ticket of a show in one language but for the
# ticket's own values: its name, masked e-mail, code, QR drawing and token (in its links). As
# the blank registration form above, it is rendered once with placeholders for them, and each
# person gets a copy with theirs filled in, escaped as the template escapes them: the surge's
# next request after registering costs no rendering (CHECKIN_KEEP_TICKET_PAGES=false renders
# every page afresh; the tests compare the two). The copy is rendered from placeholder values
# only (the link's token in request.view_args too), so it holds nobody's data; one in which a
# placeholder does not appear exactly as expected (the template changed) is not used.
_TICKET_PAGES_KEPT = 64
_MARK = "tkt" + secrets.token_hex(10)
_PLACEHOLDER_TICKET = {
    "name": _MARK + "name",
    "email": _MARK + "x@" + _MARK + ".example",
    "token": _MARK + "token",
    "status": "issued",
}
_PLACEHOLDER_MASKED = str(escape(masked_email(_PLACEHOLDER_TICKET["email"])))
_PLACEHOLDER_CODE = _MARK + "code"
_PLACEHOLDER_SVG = _MARK + "svg"
# Tokens that url_for writes as they are (new_token()'s alphabet); any other is rendered afresh.
_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _kept_ticket_page(page: ticket_qr.TicketPage) -> str | None:
    ticket = page.ticket
    if _PLAIN_TOKEN.fullmatch(ticket.token) is None:
        return None
    admitted = ticket.admitted_at is not None
    pages = current_app.extensions.setdefault("checkin_ticket_pages", {})
    key = (current_locale(), request.script_root, request.method, page.show_values, admitted)
    kept = pages.get(key)
    if kept is None:
        kept = _render_ticket_placeholders(page, admitted)
        if len(pages) >= _TICKET_PAGES_KEPT:
            pages.clear()
        pages[key] = kept
    if kept is _UNCACHEABLE:
        return None
    html, token_count = kept
    filled = (
        html.replace(_PLACEHOLDER_SVG, page.svg or "", 1)
        .replace(_PLACEHOLDER_TICKET["name"], escape(ticket.name), 1)
        .replace(_PLACEHOLDER_MASKED, escape(masked_email(ticket.email)), 1)
        .replace(_PLACEHOLDER_CODE, escape(tickets.format_code(ticket.code)), 1)
        .replace(_PLACEHOLDER_TICKET["token"], ticket.token, token_count)
    )
    return filled if _MARK not in filled else None


def _render_ticket_placeholders(page: ticket_qr.TicketPage, admitted: bool):
    """The page with the placeholders, and how many times the token is in it."""
    # Admitted or not is all the page says of the admission (the key has it).
    placeholder = SimpleNamespace(**_PLACEHOLDER_TICKET, admitted_at=admitted)
    view_args = request.view_args
    request.view_args = {**(view_args or {}), "token": placeholder.token}
    try:
        html = _ticket_page(page, placeholder, _PLACEHOLDER_SVG, _PLACEHOLDER_CODE)
    finally:
        request.view_args = view_args
    once = (_PLACEHOLDER_SVG, _PLACEHOLDER_TICKET["name"], _PLACEHOLDER_MASKED, _PLACEHOLDER_CODE)
    tokens = html.count(placeholder.token)
    # Each value once, the token in every link, and nothing else of the mark's.
    marks = sum(html.count(value) for value in once) + tokens
    if any(html.count(value) != 1 for value in once) or tokens == 0 or html.count(_MARK) != marks:
        return _UNCACHEABLE
    return html, tokens


def _request_gettext():
    """The templates' _() as Flask-Babel installs it (jinja2.ext.i18n, newstyle: the text
    escaped, then formatted with the escaped variables), but with the request's translations
    looked up once rather than at each of the ticket page's 22 calls, a third of its rendering."""
    translate = get_translations().ugettext

    @pass_eval_context
    def gettext(eval_ctx, string: str, **variables) -> str:
        text = translate(string)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return gettext


# The QR images carry no personal data (the signed code, DESIGN.md invariant 5) but they are
# the ticket: "private, no-cache" keeps them out of every shared cache and lets the person's own
# browser keep them, asking each time (web/headers.py gives these two endpoints that). A reload
# then costs the one statement that finds the ticket, answered 304 without drawing anything.
# The ticket page itself (the name) stays no-store. The ETag is the payload's hash: it changes
# when the ticket is cancelled (404) or the signing key rotates. The images themselves are
# drawn once per ticket and kept (checkin/ticket_qr.py).
def _qr_response(token: str, kind: str, mimetype: str, download: bool = False) -> Response:
    found = ticket_qr.ticket_image(db.session(), token, kind, _keyring())
    if request.if_none_match.contains(found.etag):
        response = Response(status=304)
    else:
        headers = {"Content-Disposition": f'attachment; filename="ve-{found.code}.png"'} if download else None
        response = Response(ticket_qr.image_data(db.session(), found), mimetype=mimetype, headers=headers)
    response.set_etag(found.etag)
    return response


@bp.get("/t/<token>/qr.svg")
def ticket_qr_svg(token: str):
    return _qr_response(token, "svg", "image/svg+xml")


@bp.get("/t/<token>/qr.png")
def ticket_qr_png(token: str):
    return _qr_response(token, "png", "image/png", download=True)
