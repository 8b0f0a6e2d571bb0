"""The app's side of mail: templates rendered in the ticket's language, the configured transport."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale

from ..database import utcnow
from ..mail.compose import Deployment
from ..mail.delivery import transport_for
from ..mail.worker import PassReport, deliver_due


def render_in(template: str, locale: str, **context) -> str:
    with force_locale(locale):
        return render_template(template, **context)


def deployment() -> Deployment:
    config = current_app.config
    return Deployment(sender=config["MAIL_SENDER"], public_url=config["PUBLIC_URL"],
                      keyring=current_app.extensions["checkin_keyring"])


def deliver_due_now() -> PassReport:
    config = current_app.config
    return deliver_due(
        transport=transport_for(config["MAIL_URL"], config["OUTBOX_PATH"], float(config["MAIL_TIMEOUT"])),
        deployment=deployment(), render=render_in, clock=utcnow,
    )
