"""The app's side of mail: templates rendered in the ticket's language, the configured transport."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale

from .. import group_mail
from ..database import utcnow
from ..mail.compose import Contact, Deployment
from ..mail.delivery import transport_for
from ..mail.worker import PassReport, deliver_due
from ..maintenance import Maintenance


def hold_time() -> timedelta:
    """How long a registration waits for the link in its e-mail (CHECKIN_HOLD_MINUTES)."""
    return timedelta(minutes=int(current_app.config["HOLD_MINUTES"]))


def render_in(template: str, locale: str, **context) -> str:
    with force_locale(locale):
        return render_template(template, **context)


def contact() -> Contact:
    config = current_app.config
    return Contact(config["CONTACT_NAME"], config["CONTACT_EMAIL"], config.get("CONTACT_PHONE") or None)


def deployment() -> Deployment:
    config = current_app.config
    return Deployment(
        sender=config["MAIL_SENDER"],
        public_url=config["PUBLIC_URL"],
        keyring=current_app.extensions["checkin_keyring"],
        contact=contact(),
        hold_minutes=int(config["HOLD_MINUTES"]),
    )


def maintenance() -> Maintenance:
    """One per app (the worker's process): it remembers when it last purged."""
    config = current_app.config
    kept = current_app.extensions.get("checkin_maintenance")
    if kept is None:
        outbox_folder = None if config["MAIL_URL"] else config["OUTBOX_PATH"]
        kept = current_app.extensions["checkin_maintenance"] = Maintenance(
            int(config["CANCELLED_RETENTION_DAYS"]), outbox_folder
        )
    return kept


def deliver_due_now() -> PassReport:
    """A worker's pass: the maintenance first (its lookups and holds queue messages), then the
    messages due."""
    config = current_app.config
    maintenance().run(utcnow())
    transport = transport_for(config["MAIL_URL"], config["OUTBOX_PATH"], float(config["MAIL_TIMEOUT"]))
    report = deliver_due(transport=transport, deployment=deployment(), render=render_in, clock=utcnow)
    # School groups' teachers (issue 19): their own small outbox.
    report.sent += group_mail.deliver_due(
        transport=transport, deployment=deployment(), render=render_in, now=utcnow()
    )
    return report
