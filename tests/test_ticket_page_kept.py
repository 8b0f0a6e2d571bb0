"""The ticket page and its QR images cost one statement each (issue 20). An issued ticket's page
is a kept copy with the person's own values filled in, byte for byte the page a fresh render
gives; the page's _() is Flask-Babel's; the kept images' etag names the signing key, so that a
view knows them current without signing, and a rotated key still gives a new QR."""

from __future__ import annotations

import pytest

from checkin import ticket_qr, tickets
from checkin.database import utcnow
from checkin.signing import Keyring
from tests.support.factories import make_show, person, set_row
from tests.support.registering import registered

# Names the template escapes: the copy must escape them alike.
NAMES = ['Nguyễn "Văn" <b>Ánh</b> & Co', "Trần Thị O'Neil", "Lê Văn C"]


def _tokens(client, count: int) -> list[str]:
    return [registered(client, "demo", person(i, name=NAMES[i]))["token"] for i in range(count)]


def _pages(client, tokens: list[str], lang: str) -> list[str]:
    return [client.get(f"/t/{token}?lang={lang}").get_data(as_text=True) for token in tokens]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_kept_ticket_page_is_the_fresh_page(app, client, lang):
    make_show(app, "demo")
    tokens = _tokens(client, 3)
    set_row(app, "Ticket", {"admitted_at": utcnow(), "admitted_gate": "A", "inside": True}, token=tokens[2])
    kept = _pages(client, tokens + tokens, lang)
    assert app.extensions["checkin_ticket_pages"], "the issued ticket's page was not kept"
    assert all(isinstance(value, tuple) for value in app.extensions["checkin_ticket_pages"].values())
    app.config["KEEP_TICKET_PAGES"] = False
    assert kept == _pages(client, tokens + tokens, lang)
    # Each page is its own person's: nobody else's name, link or code.
    for token, page, name in zip(tokens, kept[:3], NAMES, strict=True):
        assert "&lt;b&gt;Ánh&lt;/b&gt;" in page if name == NAMES[0] else name.replace("'", "&#39;") in page
        assert page.count(f"/t/{token}") >= 5
        assert all(other not in page for other in tokens if other != token)
    assert 'id="cancel-ticket"' in kept[0] and 'id="cancel-ticket"' not in kept[2]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_ticket_page_translates_as_flask_babel_does(app, client, monkeypatch, lang):
    from checkin.public import views

    make_show(app, "demo", quota=3)
    tokens = _tokens(client, 3)
    set_row(app, "Ticket", {"status": "waitlisted"}, token=tokens[1])
    set_row(app, "Ticket", {"status": "cancelled", "cancelled_at": utcnow()}, token=tokens[2])
    app.config["KEEP_TICKET_PAGES"] = False
    ours = _pages(client, tokens, lang)
    monkeypatch.setattr(views, "_request_gettext", lambda: app.jinja_env.globals["_"])
    assert ours == _pages(client, tokens, lang)
    assert "waitlist-position" in ours[1]


def test_a_rotated_key_gives_a_new_qr_on_the_page_and_the_images(app, client, monkeypatch):
    make_show(app, "demo")
    [token] = _tokens(client, 1)
    link = f"/t/{token}"
    before = {name: client.get(f"{link}/qr.{name}") for name in ("svg", "png")}
    old_svg = before["svg"].get_data(as_text=True)
    assert old_svg in client.get(link).get_data(as_text=True)

    monkeypatch.setitem(app.extensions, "checkin_keyring", Keyring.generate())
    page = client.get(link).get_data(as_text=True)
    assert old_svg not in page
    for name, old in before.items():
        again = client.get(f"{link}/qr.{name}", headers={"If-None-Match": old.headers["ETag"]})
        assert (
            again.status_code == 200
            and again.data != old.data
            and again.headers["ETag"] != old.headers["ETag"]
        )
    assert client.get(f"{link}/qr.svg").get_data(as_text=True) in page


def test_images_kept_before_the_etag_named_its_key_are_read_not_drawn(app, client, monkeypatch):
    make_show(app, "demo")
    [token] = _tokens(client, 1)
    link = f"/t/{token}"
    svg = client.get(f"{link}/qr.svg").get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import select

        from checkin.extensions import db
        from checkin.models import Ticket

        ticket_id, code = db.session.execute(
            select(Ticket.id, Ticket.code).where(Ticket.token == token)
        ).one()
        payload = tickets.sign_payload(code, app.extensions["checkin_keyring"])
        db.session.remove()
    legacy = tickets.payload_etag(payload)
    set_row(app, "TicketQr", {"etag": legacy}, ticket_id=ticket_id)

    def refuse(*args, **kwargs):
        raise AssertionError("images of the current payload were drawn again")

    monkeypatch.setattr(tickets, "draw", refuse)
    assert svg in client.get(link).get_data(as_text=True)
    image = client.get(f"{link}/qr.svg")
    assert image.get_data(as_text=True) == svg and image.headers["ETag"] == f'"{legacy}"'
    assert client.get(f"{link}/qr.png", headers={"If-None-Match": f'"{legacy}"'}).status_code == 304
    assert ticket_qr.etag(payload).startswith(payload.split(":")[1] + ":")


# The read goes straight to the driver on PostgreSQL only.
@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_a_connection_lost_during_the_read_is_a_503_as_from_any_query(app, client, monkeypatch):
    make_show(app, "demo")
    [token] = _tokens(client, 1)
    # The server ends the connection in the middle of the page's one statement.
    monkeypatch.setitem(ticket_qr._COMPILED, ticket_qr._PAGE, "SELECT pg_terminate_backend(pg_backend_pid())")
    lost = client.get(f"/t/{token}")
    assert lost.status_code == 503
    monkeypatch.undo()
    assert client.get(f"/t/{token}").status_code == 200  # the pool's next connection is a new one
