"""The volunteers' pages: sign-in lands on the gate, the show-and-gate choice, the scanner page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode

from tests.support.gate import add_gates, add_volunteer, open_show, scanner_config
from tests.support.web import csrf_token, login

PASSWORD = "correct horse battery"


def choose(client, show, gate):
    token = csrf_token(client, "/gate/setup")
    return client.post("/gate/setup", data={"show": show, "gate": gate, "csrf_token": token})


def test_a_volunteer_signs_in_and_is_asked_for_a_gate(app, client):
    open_show(app)
    add_gates(app, "gate", "Cổng A – Hàng Khay", "Cổng B")
    add_volunteer(app, "vol", password=PASSWORD)
    response = login(client, "vol", PASSWORD)
    assert response.status_code == 303 and response.headers["Location"].endswith("/gate")
    page = client.get("/gate")
    assert page.status_code == 302 and page.headers["Location"].endswith("/gate/setup")
    html = client.get("/gate/setup").get_data(as_text=True)
    assert "Chọn cổng của bạn" in html and "Cổng A – Hàng Khay" in html and "Buổi gate" in html


def test_the_choice_is_kept_on_the_device_and_opens_the_scanner(app, client):
    open_show(app, reentry_allowed=True)
    add_gates(app, "gate", "Cổng A", "Cổng B")
    add_volunteer(app, "vol", password=PASSWORD)
    login(client, "vol", PASSWORD)
    response = choose(client, "gate", "Cổng B")
    assert response.status_code == 303 and response.headers["Location"].endswith("/gate")
    cookie = client.get_cookie("checkin_gate", domain="checkin.test")
    assert parse_qs(cookie.value) == {"show": ["gate"], "gate": ["Cổng B"]}
    assert cookie.http_only
    html = client.get("/gate").get_data(as_text=True)
    config = scanner_config(html)
    assert (config["show"], config["gate"], config["lang"]) == ("gate", "Cổng B", "vi")
    assert 'name="direction"' in html
    assert re.search(r'<script type="module" src="/static/js/scanner/main.js', html)
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither
    assert config["urls"]["wasm"] == "/static/vendor/barcode-detector/zxing_reader.wasm"
    assert config["words"]["starting"] == "Đang bật camera…"
    assert " data-msg-" not in html and " data-say-" not in html  # the words are in the configuration
    assert "Đang bật camera…" in html and "Mã vé, số điện thoại hoặc tên" in html


def test_without_reentry_there_is_no_direction_toggle(app, client):
    open_show(app)
    add_gates(app, "gate", "Cổng A")
    add_volunteer(app, "vol", password=PASSWORD)
    login(client, "vol", PASSWORD)
    choose(client, "gate", "Cổng A")
    assert 'name="direction"' not in client.get("/gate").get_data(as_text=True)


def test_a_gate_of_another_show_is_refused(app, client):
    open_show(app)
    open_show(app, "other")
    add_gates(app, "gate", "Cổng A")
    add_gates(app, "other", "Cổng Z")
    add_volunteer(app, "vol", password=PASSWORD)
    login(client, "vol", PASSWORD)
    response = choose(client, "gate", "Cổng Z")
    assert response.status_code == 400
    assert "Cổng này không thuộc buổi diễn đã chọn" in response.get_data(as_text=True)
    assert client.get_cookie("checkin_gate", domain="checkin.test") is None


def test_a_stale_or_tampered_choice_asks_again(app, client):
    open_show(app)
    add_gates(app, "gate", "Cổng A")
    add_volunteer(app, "vol", password=PASSWORD)
    login(client, "vol", PASSWORD)
    for value in ("nonsense", urlencode({"show": "gate", "gate": "Cổng X"}), urlencode({"gate": "Cổng A"})):
        client.set_cookie("checkin_gate", value, domain="checkin.test")
        assert client.get("/gate").headers["Location"].endswith("/gate/setup")


def test_the_choice_form_needs_csrf(app, client):
    open_show(app)
    add_gates(app, "gate", "Cổng A")
    add_volunteer(app, "vol", password=PASSWORD)
    login(client, "vol", PASSWORD)
    assert client.post("/gate/setup", data={"show": "gate", "gate": "Cổng A"}).status_code == 400


def test_the_gate_needs_a_signed_in_staff_member(app, client):
    for path in ("/gate", "/gate/setup"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_organisers_may_use_the_gate_too(app, client):
    open_show(app)
    add_gates(app, "gate", "Cổng A")
    add_volunteer(app, "boss", role="organiser", password=PASSWORD)
    login(client, "boss", PASSWORD)
    assert client.get("/gate/setup").status_code == 200


def test_the_scanner_page_in_english(app, client):
    open_show(app)
    add_gates(app, "gate", "Gate A")
    add_volunteer(app, "vol", password=PASSWORD)
    login(client, "vol", PASSWORD)
    choose(client, "gate", "Gate A")
    html = client.get("/gate?lang=en").get_data(as_text=True)
    assert "Starting the camera…" in html and "Admitted at this gate" in html
