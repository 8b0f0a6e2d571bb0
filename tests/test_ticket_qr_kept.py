"""A ticket's QR images are drawn at most once and never on the request path of a surge
(issue 20): the mail worker draws and keeps them before the ticket's link goes out; the ticket
page and the image endpoints only read them; a view that finds none draws them once, for every
app server."""

from __future__ import annotations

import email

from sqlalchemy import func, select

from checkin import ticket_qr, tickets
from checkin.extensions import db
from checkin.models import TicketQr
from tests.support.factories import make_show, person
from tests.support.registering import confirm_link


def _kept(app) -> list[TicketQr]:
    with app.app_context():
        rows = list(db.session.scalars(select(TicketQr)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def _no_drawing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a QR was drawn on the request path")

    for name in ("draw", "qr_svg", "qr_png"):
        monkeypatch.setattr(tickets, name, refuse)


def test_the_worker_draws_the_qr_before_the_link_goes_out_and_the_views_only_read_it(
    app, client, runner, tmp_path, monkeypatch
):
    app.config["OUTBOX_PATH"] = str(tmp_path / "outbox")
    make_show(app, "gala", quota=5)
    assert client.post("/api/v1/shows/gala/registrations", json=person(1)).status_code == 202
    assert _kept(app) == []
    assert "sent 1," in runner.invoke(args=["mail", "send"]).output  # the "confirm" e-mail
    [kept] = _kept(app)

    _no_drawing(monkeypatch)
    link = confirm_link(app, person(1)["email"])
    page = client.get(link)  # opened from that e-mail: confirms, and shows the QR
    assert page.status_code == 200 and kept.svg in page.get_data(as_text=True)
    svg, png = client.get(f"{link}/qr.svg"), client.get(f"{link}/qr.png")
    assert (svg.status_code, svg.get_data(as_text=True)) == (200, kept.svg)
    assert (png.status_code, png.data) == (200, kept.png)
    # The "ticket" e-mail that the confirmation queued carries the same image, not a new one.
    assert "sent 1," in runner.invoke(args=["mail", "send"]).output
    ticket_mail = [
        email.message_from_bytes(path.read_bytes()) for path in sorted((tmp_path / "outbox").iterdir())
    ][-1]
    images = [
        part.get_payload(decode=True) for part in ticket_mail.walk() if part.get_content_type() == "image/png"
    ]
    assert images == [kept.png]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TicketQr)) == 1


def test_a_view_that_finds_no_images_draws_them_once_for_every_server(app, app_config, client, monkeypatch):
    from checkin import create_app

    make_show(app, "gala", quota=5)
    client.post("/api/v1/shows/gala/registrations", json=person(2))
    link = confirm_link(app, person(2)["email"])  # no mail worker has run
    drawings = []
    draw = tickets.draw

    def counted(payload):
        drawings.append(payload)
        return draw(payload)

    monkeypatch.setattr(tickets, "draw", counted)
    assert client.get(link).status_code == 200
    assert len(drawings) == 1 and len(_kept(app)) == 1
    tickets.qr_svg.cache_clear()
    tickets.qr_png.cache_clear()
    other_server = create_app(app_config).test_client()
    for reader in (client, other_server):
        assert reader.get(link).status_code == 200
        assert reader.get(f"{link}/qr.svg").status_code == 200
        assert reader.get(f"{link}/qr.png").status_code == 200
    assert len(drawings) == 1
    [kept] = _kept(app)
    assert kept.etag == ticket_qr.etag(drawings[0])
    assert other_server.get(f"{link}/qr.png").data == kept.png == tickets.qr_png(drawings[0])


def test_images_of_another_payload_are_drawn_again(app, client):
    """A rotated signing key changes the payload: the kept images of the old one are replaced."""
    make_show(app, "gala", quota=5)
    client.post("/api/v1/shows/gala/registrations", json=person(3))
    link = confirm_link(app, person(3)["email"])
    assert client.get(f"{link}/qr.svg").status_code == 200
    [kept] = _kept(app)
    with app.app_context():
        connection = db.session.connection()
        other = "K1:ABCDE:23456789:" + "A" * 103
        assert ticket_qr.stored(connection, kept.ticket_id, other) is None
        drawn = ticket_qr.store(connection, kept.ticket_id, other)
        db.session.commit()
        assert ticket_qr.stored(db.session.connection(), kept.ticket_id, other) == drawn
        assert drawn.svg == tickets.qr_svg(other) != kept.svg
        db.session.remove()
