"""Messages to a show's holders: write in both languages, preview both, send (audit-logged), and
follow how many were sent or failed."""

from __future__ import annotations

import secrets
from types import SimpleNamespace

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import holder_messages
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..shows import get_show
from ..web.mail import contact, render_in
from . import bp
from .feedback import show_error
from .forms import HolderMessageForm


def _previews(show, form) -> dict:
    previews = {}
    for locale in ("vi", "en"):
        ticket = SimpleNamespace(name="Nguyễn Văn A" if locale == "vi" else "Alex Nguyen", locale=locale)
        previews[locale] = {
            "subject": f"{show.title(locale)}: {getattr(form, f'subject_{locale}').data or ''}",
            "body": render_in(
                "email/message.txt",
                locale,
                ticket=ticket,
                title=show.title(locale),
                message_body=getattr(form, f"body_{locale}").data or "",
                ticket_url="https://…/t/…",
                contact=contact(),
            ),
        }
    return previews


@bp.route("/shows/<slug>/messages", methods=["GET", "POST"])
def holder_messages_page(slug: str):
    show = get_show(db.session, slug)
    form = HolderMessageForm()
    if not form.is_submitted():
        form.request_key.data = secrets.token_urlsafe(24)
    status, previews = 200, None
    if form.validate_on_submit():
        if request.form.get("action") == "send":
            try:
                message_id = holder_messages.create(
                    slug,
                    audience=form.audience.data,
                    subject_vi=form.subject_vi.data,
                    subject_en=form.subject_en.data,
                    body_vi=form.body_vi.data,
                    body_en=form.body_en.data,
                    request_key=form.request_key.data,
                    now=utcnow(),
                    actor=g.staff,
                )
                holder_messages.queue_batch(message_id, utcnow())
            except DomainError as error:
                db.session.rollback()
                status = show_error(error, form)
            else:
                flash(_("Message queued: it goes out in batches."), "ok")
                return redirect(url_for("organiser.holder_messages_page", slug=slug), code=303)
        else:
            previews = _previews(show, form)
    elif form.is_submitted():
        status = 422
    return render_template(
        "organiser/messages.html",
        show=show,
        form=form,
        previews=previews,
        sent=holder_messages.progress(db.session, show.id),
    ), status
