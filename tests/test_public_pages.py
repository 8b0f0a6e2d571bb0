"""The attendee's pages: the festival page, the ticket page and its QR images, the headers."""

from __future__ import annotations

import logging
import re

import pytest

from tests.support.factories import make_show, person
from tests.support.registering import registered


def register(client, slug="demo", i=1, **overrides) -> str:
    return registered(client, slug, person(i, **overrides))["token"]


def test_the_festival_page_is_vietnamese_by_default(seeded, client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Minishow tài năng học đường" in html and "Gala âm nhạc" in html
    assert "Còn 2000 vé" in html and "Còn 5000 vé" in html
    assert "Quảng trường Đông Kinh Nghĩa Thục" in html
    assert "Mở cửa" in html


def test_english_with_lang_en_and_the_choice_is_remembered(seeded, client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "School talent minishow" in html and "2000 seats left" in html
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in client.get("/?lang=vi").get_data(as_text=True)


def test_a_full_show_says_het_ve(app, client):
    make_show(app, "demo", quota=1)
    register(client)
    html = client.get("/").get_data(as_text=True)
    assert "Hết vé" in html and "Còn 0 vé" not in html
    assert "Sold out" in client.get("/?lang=en").get_data(as_text=True)


def test_the_ticket_page_shows_everything_needed_at_the_gate(app, client):
    from checkin import tickets
    from checkin.extensions import db
    from checkin.registration import ticket_by_token

    make_show(app, "demo")
    token = register(client, name="Phạm Minh Châu")
    response = client.get(f"/t/{token}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with app.app_context():
        ticket = ticket_by_token(db.session, token)
        code, show = ticket.code, ticket.show
        doors, starts = show.doors_open_at, show.starts_at
    assert "Buổi demo" in html and "Hà Nội" in html and "Phạm Minh Châu" in html
    assert tickets.format_code(code) in html
    assert re.search(r'<div class="qr"[^>]*><svg', html)
    from checkin.shows import to_local

    assert to_local(doors).strftime("%H:%M") in html
    from flask_babel import format_datetime

    with app.test_request_context("/?lang=vi"):
        day = format_datetime(starts, "EEEE, dd/MM/y")  # "Thứ Hai, 07/12/2026", as Vietnamese write it
    assert day in html and day.lower().startswith(("thứ", "chủ nhật"))
    assert f"/t/{token}/qr.png" in html
    assert 'name="robots" content="noindex"' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_qr_downloads(app, client):
    make_show(app, "demo")
    token = register(client)
    png = client.get(f"/t/{token}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert png.headers["Content-Disposition"].startswith("attachment;")
    svg = client.get(f"/t/{token}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and svg.get_data(as_text=True).startswith("<svg")


@pytest.mark.parametrize("token", ["nope", "A" * 32, "x" * 200, "%00"])
def test_an_unknown_ticket_is_404_for_the_page_and_images(app, client, token):
    for suffix in ("", "/qr.png", "/qr.svg"):
        assert client.get(f"/t/{token}{suffix}").status_code == 404


def test_security_headers_on_every_page(app, client):
    make_show(app, "demo")
    token = register(client)
    for path in ("/", "/shows/demo/register", f"/t/{token}", "/privacy", "/nothing", "/api/v1/shows"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts_or_styles(app, client):
    make_show(app, "demo")
    token = register(client)
    for path in ("/", "/shows/demo/register", f"/t/{token}", "/privacy"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html and " style=" not in html, path
        assert not re.search(r" on[a-z]+=", html), path


def test_the_privacy_notice_is_linked_from_the_form(app, client):
    make_show(app, "demo")
    assert "/privacy" in client.get("/shows/demo/register").get_data(as_text=True)
    assert "91/2025/QH15" in client.get("/privacy").get_data(as_text=True)


def test_a_ticket_token_never_reaches_the_logs(app, client, caplog):
    """The request log of the development server and gunicorn goes through this filter."""
    from werkzeug.serving import WSGIRequestHandler  # noqa: F401 - registers the werkzeug logger

    make_show(app, "demo")
    token = register(client)
    logger = logging.getLogger("werkzeug")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info('%s - - "%s" %s', "127.0.0.1", f"GET /t/{token}/qr.png HTTP/1.1", "200")
        logger.info(f"GET /t/{token} HTTP/1.1")
    assert caplog.records and token not in caplog.text
    assert "/t/<redacted>" in caplog.text


def test_an_error_while_rendering_a_ticket_logs_no_token(app, client, caplog, monkeypatch):
    from checkin import ticket_qr

    make_show(app, "demo")
    token = register(client)

    def broken(*_args):
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(ticket_qr, "ticket_page", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/t/{token}")
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    assert caplog.records and token not in caplog.text


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("get", "/shows/%00/register", 404),
        ("get", "/t/%00", 404),
        ("get", "/t/%00/qr.png", 404),
        ("post", "/api/v1/shows/%00/registrations", 404),
        ("get", "/?lang=%00", 400),
    ],
)
def test_nul_characters_are_refused_not_a_500(app, client, method, path, status):
    """PostgreSQL text cannot hold NUL: without the guard these were 500s there."""
    make_show(app, "demo")
    response = getattr(client, method)(path, **({"json": person(1)} if method == "post" else {}))
    assert response.status_code == status


def test_nul_in_a_form_or_json_field_is_refused_and_nothing_written(app, client):
    from tests.support.web import csrf_token

    make_show(app, "demo")
    token = csrf_token(client, "/login")
    assert (
        client.post("/login", data={"name": "a\x00", "password": "x", "csrf_token": token}).status_code == 400
    )
    api = client.post("/api/v1/shows/demo/registrations", json=person(1, guardian_name="x\x00"))
    assert api.status_code == 400 and api.json["error"]["code"] == "bad_request"
    assert client.get("/api/v1/shows").json["shows"][0]["seats_left"] == 10


def test_a_pairing_code_never_reaches_gunicorns_access_log(app, tmp_path):
    """gunicorn's own access logger, as a worker runs it (the app, built in the worker, adds
    the filter); the code is also in the request line, the raw URI and the path atoms."""
    import secrets
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    code = secrets.token_urlsafe(16)
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s %(U)s %({raw_uri}e)s %({x-missing}i)s')
    log = Logger(config)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/pair/{code}",
        "PATH_INFO": f"/pair/{code}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    log.access(
        SimpleNamespace(status="303 SEE OTHER", sent=0, headers=[]),
        SimpleNamespace(headers=[]),
        environ,
        timedelta(milliseconds=5),
    )
    for handler in logging.getLogger("gunicorn.access").handlers:
        handler.flush()
    written = (tmp_path / "access.log").read_text()
    assert '"POST /pair/<redacted> HTTP/1.1" 303 /pair/<redacted> /pair/<redacted> -' in written
    assert code not in written
