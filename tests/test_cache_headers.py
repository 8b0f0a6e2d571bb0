"""Cache-Control (issue 12): every answer that may carry personal data says no-store, so that
no browser history, shared phone or cache in between keeps it; static files and the festival
page stay cacheable."""

from __future__ import annotations

from tests.support.gate import add_gates, issue, open_show
from tests.support.organiser import organiser_client
from tests.support.registering import registered


def test_pages_and_answers_with_personal_data_are_not_stored(seeded, now):
    app = seeded
    open_show(app)
    add_gates(app, "gate", "A")
    [code] = issue(app, "gate", 1)
    client = organiser_client(app, now)
    ticket_url = registered(
        client,
        "gala",
        {
            "name": "Lê Thị Hoa",
            "email": "hoa@example.com",
            "phone": "0912000999",
            "birth_year": 2004,
            "consent": True,
        },
    )["ticket_url"]
    token = ticket_url.rsplit("/", 1)[1]
    private = [
        "/organiser/",
        f"/organiser/tickets/{code}",
        "/organiser/attendees?show=gate",
        "/organiser/shows/gate/conflicts",
        "/organiser/staff",
        "/organiser/audit",
        "/gate/setup",
        "/gate",
        f"/t/{token}",
        "/api/v1/shows/gate/stats",
        "/login",
        "/shows/gala/register",
        "/find",
        "/does-not-exist",
    ]
    for path in private:
        response = client.get(path)
        assert response.status_code < 500, path
        assert response.headers.get("Cache-Control") == "no-store", (
            path,
            response.headers.get("Cache-Control"),
        )
    # The QR images alone (no personal data: issue 20, tests/test_ticket_qr_cache.py): kept by
    # the person's own browser only, revalidated on each use.
    for image in ("qr.png", "qr.svg"):
        assert client.get(f"/t/{token}/{image}").headers["Cache-Control"] == "private, no-cache"
    lookup = client.post(
        "/api/v1/lookup", json={"show": "gate", "q": code}, headers={"X-CSRFToken": _scanner_token(client)}
    )
    assert lookup.status_code == 200 and lookup.headers["Cache-Control"] == "no-store"


def _scanner_token(client) -> str:
    import re

    return re.search(r'data-csrf="([^"]+)"', client.get("/gate/setup").get_data(as_text=True)).group(1)


def test_static_files_and_the_festival_page_may_be_cached(seeded, client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")
    assert client.get("/gate/sw.js").headers["Cache-Control"] == "no-cache"  # its own choice stays
