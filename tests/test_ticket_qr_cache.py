"""The ticket's QR images (issue 20): drawn at most once for a reload, answered 304 from their
ETag before anything is drawn; kept by the person's browser only ("private, no-cache"), while
the ticket page, which names the person, stays no-store."""

from __future__ import annotations

import pytest

from checkin import ticket_qr, tickets
from tests.support.factories import make_show, person
from tests.support.registering import registered


@pytest.mark.parametrize("image", ["qr.svg", "qr.png"])
def test_a_reload_of_the_qr_is_a_304_that_draws_nothing(app, client, monkeypatch, image):
    make_show(app, "demo")
    token = registered(client, "demo", person(1))["ticket_url"].rsplit("/", 1)[1]
    first = client.get(f"/t/{token}/{image}")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.data and etag
    assert first.headers["Cache-Control"] == "private, no-cache"

    def no_drawing(*args, **kwargs):
        raise AssertionError("a revalidated QR was drawn or read again")

    monkeypatch.setattr(tickets, "draw", no_drawing)
    monkeypatch.setattr(ticket_qr, "images", no_drawing)
    again = client.get(f"/t/{token}/{image}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    monkeypatch.undo()
    # Another ticket's validator is not this one's.
    other = registered(client, "demo", person(2))["ticket_url"].rsplit("/", 1)[1]
    assert client.get(f"/t/{other}/{image}", headers={"If-None-Match": etag}).status_code == 200
    assert client.get(f"/t/{token}").headers["Cache-Control"] == "no-store"


def test_a_cancelled_ticket_qr_is_gone_whatever_the_validator(app, client):
    make_show(app, "demo")
    token = registered(client, "demo", person(3))["ticket_url"].rsplit("/", 1)[1]
    etag = client.get(f"/t/{token}/qr.svg").headers["ETag"]
    with app.app_context():
        from checkin.extensions import db
        from checkin.models import Ticket

        db.session.query(Ticket).filter_by(token=token).update({"status": "cancelled"})
        db.session.commit()
    assert client.get(f"/t/{token}/qr.svg", headers={"If-None-Match": etag}).status_code == 404
