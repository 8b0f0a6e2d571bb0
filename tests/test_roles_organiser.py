"""Who reaches the organiser console and its API: anonymous, volunteer, organiser, and an
organiser deactivated while signed in."""

from __future__ import annotations

import pytest

from tests.support.factories import make_show, person
from tests.support.organiser import add_account, form_token, sign_in
from tests.support.registering import registered

PAGES = [
    "/organiser/",
    "/organiser/?show=roles",
    "/organiser/shows",
    "/organiser/shows/new",
    "/organiser/shows/roles",
    "/organiser/shows/roles/arrivals.svg",
    "/organiser/attendees",
    "/organiser/tickets/{code}",
    "/organiser/scans",
    "/organiser/scans?gate=A",
    "/organiser/staff",
    "/organiser/audit",
    "/organiser/audit?action=scan",
    "/organiser/exports/scans.csv",
]
# Changes an organiser may make, posted without a CSRF token: the role check comes first.
POSTS = [
    "/organiser/attendees",
    "/organiser/exports/attendees.csv",
    "/organiser/shows/new",
    "/organiser/shows/roles",
    "/organiser/shows/roles/registration",
    "/organiser/shows/roles/gates",
    "/organiser/staff",
    "/organiser/staff/pair",
    "/organiser/staff/1/deactivate",
    "/organiser/staff/1/password",
    "/organiser/tickets/{code}/cancel",
    "/organiser/tickets/{code}/resend",
    "/organiser/tickets/{code}/move",
    "/organiser/tickets/{code}/admit",
]
API = "/api/v1/shows/roles/stats"


@pytest.fixture
def world(app, client, now):
    make_show(app, "roles", quota=5, capacity=5)
    ticket = registered(client, "roles", person(1))
    passwords = {
        name: add_account(app, name, role, now)
        for name, role in [("boss", "organiser"), ("helper", "volunteer"), ("gone", "organiser")]
    }
    return {"code": ticket["code"], "passwords": passwords}


def _urls(paths, code):
    return [path.format(code=code) for path in paths]


def test_anonymous_is_sent_to_sign_in(app, world):
    client = app.test_client()
    for url in _urls(PAGES, world["code"]):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    for url in _urls(POSTS, world["code"]):
        response = client.post(url)
        assert response.status_code in (302, 400), url  # never the change itself
    assert client.get(API).status_code == 401


def test_volunteer_gets_forbidden(app, world):
    client = app.test_client()
    sign_in(client, "helper", world["passwords"]["helper"])
    for url in _urls(PAGES, world["code"]):
        assert client.get(url).status_code == 403, url
    token = form_token(client, "/pair/any-code")  # a page with a form a volunteer may open
    for url in _urls(POSTS, world["code"]):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    assert client.get(API).status_code == 403
    assert client.get(API).json["error"]["code"] == "forbidden"


def test_volunteer_token_is_forbidden(app, world, now):
    from checkin.staff import issue_token

    with app.app_context():
        token = issue_token("helper", now=now)
    response = app.test_client().get(API, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_organiser_reaches_every_page_and_the_api(app, world, now):
    from checkin.staff import issue_token

    client = app.test_client()
    sign_in(client, "boss", world["passwords"]["boss"])
    for url in _urls(PAGES, world["code"]):
        assert client.get(url).status_code == 200, url
    assert client.get(API).status_code == 200
    with app.app_context():
        token = issue_token("boss", now=now)
    response = app.test_client().get(API, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json["issued"] == 1


def test_login_sends_an_organiser_to_the_console(app, world):
    from tests.support.web import login

    response = login(app.test_client(), "boss", world["passwords"]["boss"])
    assert response.headers["Location"].endswith("/organiser/")


def test_deactivation_stops_a_live_session_and_a_token_at_once(app, world, now):
    from checkin.staff import issue_token
    from tests.support.organiser import form_token

    gone = app.test_client()
    sign_in(gone, "gone", world["passwords"]["gone"])
    with app.app_context():
        token = issue_token("gone", now=now)
    bearer = {"Authorization": f"Bearer {token}"}
    assert gone.get("/organiser/").status_code == 200
    assert app.test_client().get(API, headers=bearer).status_code == 200

    boss = app.test_client()
    sign_in(boss, "boss", world["passwords"]["boss"])
    with app.app_context():
        from sqlalchemy import select

        from checkin.extensions import db
        from checkin.models import Staff

        gone_id = db.session.scalar(select(Staff.id).where(Staff.name == "gone"))
    response = boss.post(
        f"/organiser/staff/{gone_id}/deactivate", data={"csrf_token": form_token(boss, "/organiser/staff")}
    )
    assert response.status_code == 303

    for url in _urls(PAGES, world["code"]):
        response = gone.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert gone.get(API).status_code == 401
    assert app.test_client().get(API, headers=bearer).status_code == 401
    # Signing in again does not work either.
    from tests.support.web import login

    assert login(app.test_client(), "gone", world["passwords"]["gone"]).status_code == 401
