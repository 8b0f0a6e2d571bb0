"""What issue 17 asked of the pages, read from the HTML: the festival page's programme, map and
dates, the ticket page's confirmation, the icons, and the console in the UI's language."""

from __future__ import annotations

import re

from tests.support.factories import make_show, person
from tests.support.gate import add_gates, add_volunteer, api_token, open_show, payload
from tests.support.organiser import form_token, organiser_client

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Mobile Safari/537.36"
)


def _confirmed(app, slug, values, **options):
    from checkin.database import utcnow
    from checkin.registration import confirm, register

    with app.app_context():
        registration = register(slug, values, now=utcnow(), **options)
        confirm(registration.token, now=utcnow())
    return registration


def test_the_festival_page_has_each_shows_programme_map_and_what_to_bring(seeded, client):
    html = client.get("/").get_data(as_text=True)
    # Dates as Vietnamese write them: the weekday, then dd/mm/yyyy.
    assert re.search(r"(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật), 01/11/\d{4}", html)
    assert "tháng 11" not in html
    minishow = html.split('id="show-minishow"', 1)[1].split("</article>", 1)[0]
    assert "Chương trình" in minishow and "14:30 Khai mạc" in minishow
    # Our drawing of the square with this show's three gates, numbered, and their names.
    assert minishow.count("<circle") == 3 and "Cổng C – Lê Thái Tổ" in minishow and "<svg" in minishow
    assert "Cần mang theo gì" in html
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "evenings" not in english and re.search(
        r"(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, 1 November \d{4}", english
    )
    assert "14:30 Opening" in english


def test_an_organiser_edits_the_programme_the_festival_page_shows(app, client, now):
    make_show(app, "gala")
    org = organiser_client(app, now)
    page = org.get("/organiser/shows/gala").get_data(as_text=True)
    fields = {
        name: value for name, value in re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page)
    }
    fields.update(
        csrf_token=form_token(org, "/organiser/shows/gala"),
        programme_vi="19:30 Mở màn\n20:00 Ca sĩ khách mời",
        programme_en="",
    )
    response = org.post("/organiser/shows/gala", data=fields)
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:300]
    assert "20:00 Ca sĩ khách mời" in client.get("/").get_data(as_text=True)
    # No English text yet: the English page shows the Vietnamese one rather than nothing.
    assert "19:30 Mở màn" in client.get("/?lang=en").get_data(as_text=True)


def test_the_icons_are_there(client):
    icon = client.get("/favicon.ico")
    assert (
        icon.status_code == 200
        and icon.mimetype == "image/vnd.microsoft.icon"
        and icon.data[:4] == b"\0\0\1\0"
    )
    html = client.get("/privacy").get_data(as_text=True)
    assert 'rel="apple-touch-icon"' in html and 'rel="manifest"' in html
    assert client.get("/static/img/apple-touch-icon.png").status_code == 200


def test_the_ticket_page_confirms_and_names_the_masked_address(app, client):
    make_show(app, "gala")
    registration = _confirmed(app, "gala", person(1, email="ha.dang@example.com"))
    html = client.get(f"/t/{registration.token}").get_data(as_text=True)
    assert "Bạn đã có vé" in html and "h•••g@example.com" in html and "ha.dang@" not in html
    assert "(PNG)" not in html and "(.ics)" not in html and "Thêm vào lịch của tôi" in html


def test_sign_in_errors_are_in_the_pages_language(client):
    from tests.support.web import csrf_token

    html = client.post("/login", data={"csrf_token": csrf_token(client, "/login")}).get_data(as_text=True)
    assert "Vui lòng điền vào ô này." in html and "This field is required" not in html


def test_the_console_speaks_the_uis_language(app, client, now):
    open_show(app, "demo", title_vi="Buổi thử", title_en="Trial show")
    add_gates(app, "demo", "Cổng A")
    registration = _confirmed(app, "demo", person(1))
    add_volunteer(app, "vol")
    auth = {"Authorization": f"Bearer {api_token(app, 'vol')}", "User-Agent": ANDROID_CHROME}
    for i in range(4):  # admitted, then the same QR three times more: "already inside"
        response = client.post(
            "/api/v1/scans",
            headers=auth,
            json={
                "payload": payload(app, registration.code),
                "show": "demo",
                "gate": "Cổng A",
                "direction": "in",
                "client_scan_id": f"ux-{i}",
            },
        )
        assert response.status_code == 200, response.get_json()
    org = organiser_client(app, now)
    history = (
        org.get(f"/organiser/tickets/{registration.code}").get_data(as_text=True).split('id="history"')[1]
    )
    # The phone as a person names it, kept so in the log (not the user-agent string).
    assert history.count("Android · Chrome") == 2 and "Mozilla" not in history
    assert "×3" in history  # the three repeats as one line
    assert "vé hoặc chỗ trong danh sách chờ" in history  # the e-mail's kind, not "ticket"
    scans = org.get("/organiser/scans").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="gate"', scans) and re.search(r'<select[^>]*id="result"', scans)
    assert '<option value="Cổng A">Cổng A</option>' in scans and "Đã ở bên trong" in scans
    english = org.get("/organiser/attendees?lang=en").get_data(as_text=True)
    assert "Trial show" in english and "Buổi thử" not in english
    org.post(
        "/organiser/shows/demo/registration",
        data={"registration": "closed", "csrf_token": form_token(org, "/organiser/shows/demo")},
    )
    audit = org.get("/organiser/audit?lang=vi").get_data(as_text=True)
    assert "Đang mở đăng ký: không" in audit and "registration_open" not in audit
    assert "Chương trình demo" in audit and f"Vé {registration.code}" in audit
    assert f"ticket {registration.code}" not in audit
