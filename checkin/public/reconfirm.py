"""The holder's answer to a reconfirmation: the e-mail's links open this page, and only its
button (a POST with CSRF) answers, so a mail scanner following links changes nothing."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from .. import reconfirmation
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..registration import ticket_by_token
from ..tickets import format_code
from ..web.errors import STATUS
from ..web.messages import error_message
from . import bp


@bp.route("/t/<token>/reconfirm", methods=["GET", "POST"])
def reconfirm(token: str):
    ticket = ticket_by_token(db.session(), token)
    error = None
    status = 200
    if request.method == "POST":  # CSRFProtect has checked the form's token
        try:
            reconfirmation.reply(token, request.form.get("answer", ""), now=utcnow())
        except DomainError as failed:
            db.session.rollback()
            error, status = error_message(failed.code), STATUS.get(failed.code, 400)
        else:
            return redirect(url_for("public.reconfirm", token=token), code=303)
    ticket = ticket_by_token(db.session(), token)
    asked = reconfirmation.asked(db.session, ticket.id, utcnow())
    chosen = request.args.get("answer") if request.args.get("answer") in reconfirmation.REPLIES else None
    return render_template(
        "public/reconfirm.html",
        ticket=ticket,
        show=ticket.show,
        asked=asked,
        chosen=chosen,
        error=error,
        code=format_code(ticket.code),
    ), status
