"""Registering as a person does now: the JSON API answers "pending" alike for everyone, and the
ticket link travels by e-mail; opening it confirms the hold. Tests that need a ticket to work
with take its link from the outbox's ticket, as the "confirm" e-mail carries it."""

from __future__ import annotations

from sqlalchemy import select

from checkin.models import OutboxMessage, Ticket


def confirm_link(app, email: str) -> str:
    """The link of the newest "confirm" message to this address (what the e-mail carries)."""
    from checkin.extensions import db

    with app.app_context():
        token = db.session.scalar(
            select(Ticket.token)
            .join(OutboxMessage, OutboxMessage.ticket_id == Ticket.id)
            .where(Ticket.email == email.strip().lower(), OutboxMessage.kind == "confirm")
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        db.session.remove()
    assert token, f"no confirmation e-mail to {email}"
    return f"/t/{token}"


def registered(client, slug: str, values: dict, *, confirm: bool = True, posted=None) -> dict:
    """POSTs the registration (unless `posted` is its answer already), then opens the e-mail's
    link (unless `confirm` is False); returns the ticket's status, code, token and ticket_url."""
    response = posted or client.post(f"/api/v1/shows/{slug}/registrations", json=values)
    assert response.status_code == 202, response.get_json()
    app = client.application
    link = confirm_link(app, values["email"])
    if confirm:
        assert client.get(link).status_code == 200
    from checkin.extensions import db

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == link.rsplit("/", 1)[1]))
        result = {
            "status": ticket.status,
            "code": ticket.code,
            "token": ticket.token,
            "ticket_url": f"http://checkin.test{link}",
        }
        db.session.remove()
    return result
