"""Behind the TLS proxy (issue 12): forms and the scanner's session calls work over HTTPS with
our no-referrer policy, cross-site requests are refused, cookies are Secure and SameSite, and
signing out ends the session on the server (a replayed cookie is refused)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from checkin.tickets import format_code
from tests.support.factories import person
from tests.support.gate import add_gates, add_volunteer, issue, open_show
from tests.support.web import csrf_token

PASSWORD = "correct horse battery"
HTTPS = {"X-Forwarded-Proto": "https"}
# What Chromium sends on a same-origin form post under Referrer-Policy: no-referrer.
CHROMIUM = {**HTTPS, "Origin": "null", "Sec-Fetch-Site": "same-origin"}
ORIGIN = "https://checkin.test"


@pytest.fixture
def proxied(app_config):
    """The app as deployed: one trusted proxy in front that terminates TLS."""
    from checkin import create_app
    from checkin.extensions import db

    app = create_app({**app_config, "TRUSTED_PROXY_COUNT": 1})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _token(client, path: str) -> str:
    html = client.get(path, headers=HTTPS).get_data(as_text=True)
    match = (
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        or re.search(r'data-csrf="([^"]+)"', html)
        or re.search(r'"csrf": "([^"]+)"', html)
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _sign_in(client, headers=CHROMIUM, name="vol"):
    token = _token(client, "/login")
    return client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf_token": token}, headers=headers
    )


@pytest.mark.parametrize(
    "headers",
    [HTTPS, CHROMIUM, {**HTTPS, "Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"}],
    ids=["no-origin-headers", "chromium-no-referrer", "origin-sent"],
)
def test_staff_sign_in_over_https_without_a_referer(proxied, headers):
    add_volunteer(proxied, password=PASSWORD)
    response = _sign_in(proxied.test_client(), headers)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def test_registration_form_over_https(proxied):
    from tests.support.factories import make_show

    make_show(proxied, "reg")
    client = proxied.test_client()
    token = _token(client, "/shows/reg/register")
    values = {k: str(v) for k, v in person(1).items()}
    values["consent"] = "y"
    response = client.post("/shows/reg/register", data={**values, "csrf_token": token}, headers=CHROMIUM)
    assert response.status_code == 303 and response.headers["Location"].endswith("/shows/reg/registered")


def _scanner(proxied):
    open_show(proxied)
    add_gates(proxied, "gate", "A")
    add_volunteer(proxied, password=PASSWORD)
    [code] = issue(proxied, "gate", 1)
    client = proxied.test_client()
    assert _sign_in(client).status_code == 303
    token = _token(client, "/gate/setup")
    client.post("/gate/setup", data={"show": "gate", "gate": "A", "csrf_token": token}, headers=CHROMIUM)
    return client, _token(client, "/gate"), code


def test_the_scanners_session_calls_over_https(proxied):
    client, token, code = _scanner(proxied)
    headers = {**CHROMIUM, "X-CSRFToken": token}
    found = client.post("/api/v1/lookup", json={"show": "gate", "q": code}, headers=headers)
    assert found.status_code == 200 and [t["code"] for t in found.get_json()["tickets"]] == [
        format_code(code)
    ]
    admitted = client.post(
        "/api/v1/scans/manual",
        json={"code": code, "show": "gate", "gate": "A", "client_scan_id": "m1"},
        headers=headers,
    )
    assert admitted.status_code == 200 and admitted.get_json()["result"] == "admitted"
    undone = client.post(
        "/api/v1/scans/undo",
        json={"reason": "wrong person", "gate": "A", "client_scan_id": "u1"},
        headers=headers,
    )
    assert undone.status_code == 200, undone.get_json()


@pytest.mark.parametrize(
    "attack",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://checkin.test"},
    ],
    ids=["foreign-origin", "cross-site", "sibling-site", "plain-http-origin"],
)
def test_a_cross_origin_post_is_refused_even_with_a_valid_token(proxied, attack):
    add_volunteer(proxied, password=PASSWORD)
    client = proxied.test_client()
    response = _sign_in(client, {**HTTPS, **attack})
    assert response.status_code == 400
    assert client.get("/gate/setup", headers=HTTPS).status_code == 302  # not signed in


def test_a_cross_origin_session_api_call_is_refused(proxied):
    client, token, code = _scanner(proxied)
    response = client.post(
        "/api/v1/lookup",
        json={"show": "gate", "q": code},
        headers={**HTTPS, "X-CSRFToken": token, "Origin": "https://evil.example"},
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf"


def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_every_cookie_is_secure_and_samesite_over_https(proxied):
    add_volunteer(proxied, password=PASSWORD)
    client = proxied.test_client()
    client.get("/?lang=en", headers=HTTPS)
    response = _sign_in(client)
    cookies = _set_cookies(response)
    assert {"session", "remember_token"} <= set(cookies)
    for _name, header in cookies.items():
        assert "; Secure" in header and "SameSite=Lax" in header, header
    expires = re.search(r"Expires=([^;]+)", cookies["remember_token"]).group(1)
    lifetime = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(days=13) < lifetime <= timedelta(days=14)
    open_show(proxied)
    add_gates(proxied, "gate", "A")
    token = _token(client, "/gate/setup")
    chosen = client.post(
        "/gate/setup", data={"show": "gate", "gate": "A", "csrf_token": token}, headers=CHROMIUM
    )
    [gate_cookie] = chosen.headers.getlist("Set-Cookie")
    assert gate_cookie.startswith("checkin_gate=") and "; Secure" in gate_cookie


def test_cookies_over_plain_http_are_not_secure_but_samesite(app, client):
    """Development on http://127.0.0.1: a Secure cookie would never come back."""
    add_volunteer(app, password=PASSWORD)
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"name": "vol", "password": PASSWORD, "csrf_token": token})
    for header in response.headers.getlist("Set-Cookie"):
        assert "Secure" not in header and "SameSite=Lax" in header


def _replay(app, cookie_name: str, value: str):
    client = app.test_client()
    client.set_cookie(cookie_name, value, domain="checkin.test")
    return client.get("/gate/setup", headers=HTTPS)


def _cookie(client, name):
    return client.get_cookie(name, domain="checkin.test").value


@pytest.mark.parametrize("cookie_name", ["session", "remember_token"])
def test_a_cookie_replayed_after_sign_out_is_refused(proxied, cookie_name):
    add_volunteer(proxied, password=PASSWORD)
    client = proxied.test_client()
    _sign_in(client)
    stolen = _cookie(client, cookie_name)
    assert _replay(proxied, cookie_name, stolen).status_code == 200  # the copy works while signed in
    token = _token(client, "/gate/setup")
    assert client.post("/logout", data={"csrf_token": token}, headers=CHROMIUM).status_code == 303
    replayed = _replay(proxied, cookie_name, stolen)
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


@pytest.mark.parametrize("cookie_name", ["session", "remember_token"])
def test_a_password_reset_revokes_sessions_and_remember_cookies(proxied, runner, cookie_name):
    add_volunteer(proxied, password=PASSWORD)
    client = proxied.test_client()
    _sign_in(client)
    stolen = _cookie(client, cookie_name)
    assert proxied.test_cli_runner().invoke(args=["staff", "password", "vol"]).exit_code == 0
    assert _replay(proxied, cookie_name, stolen).status_code == 302
