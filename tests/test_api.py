"""The public JSON API as DESIGN.md §5 gives it: shows, registrations, keys, errors."""

from __future__ import annotations

import base64
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.support.factories import make_show, person
from tests.support.registering import registered


def test_shows_lists_each_show_with_seats_left_and_state(app, client, now):
    make_show(app, "alpha", quota=3)
    make_show(
        app,
        "later",
        quota=5,
        registration_opens_at=now + timedelta(days=1),
        starts_at=now + timedelta(days=8),
    )
    client.post("/api/v1/shows/alpha/registrations", json=person(1))
    body = client.get("/api/v1/shows").json
    alpha, later = body["shows"]
    assert (alpha["slug"], alpha["ticket_quota"], alpha["seats_left"], alpha["registration"]) == (
        "alpha",
        3,
        2,
        "open",
    )
    assert (later["slug"], later["registration"]) == ("later", "not_yet")
    assert alpha["doors_open_at"].endswith("+07:00")
    assert {"title", "venue", "starts_at", "ends_at"} <= set(alpha)


def test_shows_says_full_when_every_ticket_is_issued(app, client):
    make_show(app, "alpha", quota=1)
    client.post("/api/v1/shows/alpha/registrations", json=person(1))
    [alpha] = client.get("/api/v1/shows").json["shows"]
    assert (alpha["seats_left"], alpha["registration"]) == (0, "full")


def test_keys_publishes_raw_ed25519_keys_that_verify_a_ticket(app, client):
    make_show(app, "demo")
    url = registered(client, "demo", person(1))["ticket_url"]
    token = url.rsplit("/", 1)[1]
    response = client.get("/api/v1/keys")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    [key] = response.json["keys"]
    assert set(key) == {"kid", "alg", "public_key"} and key["alg"] == "Ed25519"
    assert "=" not in key["public_key"] and "+" not in key["public_key"] and "/" not in key["public_key"]
    raw = base64.urlsafe_b64decode(key["public_key"] + "==")
    assert len(raw) == 32
    with app.app_context():
        from checkin import tickets
        from checkin.extensions import db
        from checkin.registration import ticket_by_token

        payload = tickets.sign_payload(
            ticket_by_token(db.session, token).code, app.extensions["checkin_keyring"]
        )
    message, _, signature = payload.rpartition(":")
    assert message.split(":")[1] == key["kid"]
    Ed25519PublicKey.from_public_bytes(raw).verify(
        base64.b32decode(signature + "=" * (-len(signature) % 8)), message.encode()
    )


def test_api_errors_are_json_with_a_stable_code(app, client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and set(missing.json) == {"error"}
    assert missing.json["error"]["code"] == "not_found" and missing.json["error"]["message"]
    wrong_method = client.delete("/api/v1/shows")
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == "method_not_allowed"


def test_api_messages_follow_accept_language(app, client):
    make_show(app, "demo", registration_open=False)
    vi = client.post("/api/v1/shows/demo/registrations", json=person(1))
    en = client.post("/api/v1/shows/demo/registrations", json=person(1), headers={"Accept-Language": "en"})
    assert vi.json["error"]["code"] == en.json["error"]["code"] == "registration_closed"
    assert vi.json["error"]["message"] == "Chương trình này hiện không mở đăng ký."
    assert en.json["error"]["message"] == "Registration for this show is not open."


def test_registrations_are_rate_limited_with_429(app_config):
    from checkin import create_app

    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "REGISTRATION_RATE_LIMIT": "3 per minute"})
    make_show(limited, "demo", quota=100)
    client = limited.test_client()
    statuses = [client.post("/api/v1/shows/demo/registrations", json=person(i)).status_code for i in range(5)]
    assert statuses == [202, 202, 202, 429, 429]
    refused = client.post("/api/v1/shows/demo/registrations", json=person(9))
    assert refused.json["error"]["code"] == "rate_limited"
    with limited.app_context():
        from checkin.extensions import db

        db.engine.dispose()


def test_the_api_needs_no_csrf_token_and_sets_no_session(app, client):
    make_show(app, "demo")
    response = client.post("/api/v1/shows/demo/registrations", json=person(1))
    assert response.status_code == 202
    assert "Set-Cookie" not in response.headers
