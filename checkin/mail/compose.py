"""A ticket's e-mail: HTML and plain text in the ticket's language, the QR inline, the .ics attached.

Templates are rendered by a `render(template, locale, **context)` the caller provides (the app's
Jinja environment with Flask-Babel), so this module stays free of the web framework.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from .. import tickets
from ..calendar import ticket_calendar
from ..models import Show, Ticket
from ..signing import Keyring

Render = Callable[..., str]
# Kinds with their own body (the others are about the ticket itself): kind -> template name.
OWN_TEMPLATES = {
    "confirm": "confirm",
    "notice": "notice",
    "reconfirm": "reconfirm",
    "reminder": "reconfirm",
    "released": "released",
    "message": "message",
}


@dataclass(frozen=True)
class Contact:
    """The organisers, as every message and the privacy notice name them (CHECKIN_CONTACT_*)."""

    name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True)
class Deployment:
    """What a message needs to know about where it is sent from."""

    sender: str  # "Name <address>"
    public_url: str  # the site's origin, for the links in the message
    keyring: Keyring
    contact: Contact = Contact("Không Một Mình", "ve@khongmotminh.local")
    hold_minutes: int = 30

    def ticket_url(self, ticket: Ticket) -> str:
        return f"{self.public_url.rstrip('/')}/t/{ticket.token}"


def _sender(value: str) -> Address:
    name, address = parseaddr(value)
    return Address(display_name=name, addr_spec=address)


def _calendar_file(
    ticket: Ticket, show: Show, deployment: Deployment, render: Render, now: datetime, cancelled: bool = False
) -> bytes:
    locale = ticket.locale or "vi"
    return ticket_calendar(
        show,
        code=ticket.code,
        title=show.title(locale),
        description=render(
            "email/calendar.txt",
            locale,
            ticket=ticket,
            show=show,
            code=tickets.format_code(ticket.code),
            ticket_url=deployment.ticket_url(ticket),
        ).strip(),
        ticket_url=deployment.ticket_url(ticket),
        now=now,
        cancelled=cancelled,
    )


def compose(
    message_id: int,
    kind: str,
    ticket: Ticket,
    *,
    deployment: Deployment,
    render: Render,
    position: int | None,
    now: datetime,
    extra: dict | None = None,
    qr_png: bytes | None = None,
) -> EmailMessage:
    """The message for one outbox row (`qr_png`: the ticket's kept image, checkin/ticket_qr.py;
    drawn here when not given). What it shows follows the ticket's status now, not when
    it was queued: a ticket carries its QR and calendar file only while it is issued and
    confirmed, and only in the messages about the ticket itself (not a "confirm" or a "notice",
    whose own templates carry the link alone)."""
    show = ticket.show
    locale = ticket.locale or "vi"
    own_template = kind in OWN_TEMPLATES
    issued = ticket.status == "issued" and ticket.confirmed_at is not None and not own_template
    # A cancelled ticket whose e-mail carried a calendar file gets the file that removes it.
    cancels_calendar = (
        kind == "cancelled" and ticket.issued_at is not None and ticket.confirmed_at is not None
    )
    domain = _sender(deployment.sender).domain or "checkin.local"
    qr_cid = make_msgid("qr", domain=domain)
    context = dict(
        kind=kind,
        ticket=ticket,
        show=show,
        title=show.title(locale),
        issued=issued,
        code=tickets.format_code(ticket.code),
        ticket_url=deployment.ticket_url(ticket),
        position=position,
        qr_cid=qr_cid[1:-1],
        contact=deployment.contact,
        hold_minutes=deployment.hold_minutes,
        cancels_calendar=cancels_calendar,
        **(extra or {}),
    )
    body = f"email/{OWN_TEMPLATES[kind]}" if own_template else "email/ticket"
    message = EmailMessage()
    message["Subject"] = " ".join(render("email/subject.txt", locale, **context).split())
    message["From"] = _sender(deployment.sender)
    message["To"] = Address(display_name=ticket.name, addr_spec=ticket.email)
    message["Date"] = format_datetime(now.replace(tzinfo=UTC))
    # Stable per outbox row, so a message sent twice (a crash right after sending) is one
    # message to the receiving side; the ticket code keeps it unique across databases.
    message["Message-ID"] = f"<outbox-{message_id}-{ticket.code}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render(f"{body}.txt", locale, **context))
    message.add_alternative(render(f"{body}.html", locale, **context), subtype="html")
    if issued:
        payload = tickets.sign_payload(ticket.code, deployment.keyring)
        # The HTML alternative carries the QR code as an inline image.
        html_part = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
        html_part.add_related(
            qr_png or tickets.qr_png(payload, box_size=8),
            "image",
            "png",
            cid=qr_cid,
            disposition="inline",
            filename=f"ve-{ticket.code}.png",
        )
        message.add_attachment(
            _calendar_file(ticket, show, deployment, render, now),
            maintype="text",
            subtype="calendar",
            filename=f"ve-{ticket.code}.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    elif cancels_calendar:  # the same UID as the ticket's own file: calendars remove the event
        message.add_attachment(
            _calendar_file(ticket, show, deployment, render, now, cancelled=True),
            maintype="text",
            subtype="calendar",
            filename=f"ve-{ticket.code}-huy.ics",
            params={"method": "CANCEL", "charset": "utf-8"},
        )
    message["Content-Language"] = locale  # after the body: setting content clears Content-* headers
    return message
