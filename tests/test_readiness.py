"""Health that tells the truth (issue 12): /api/v1/health is liveness, /api/v1/ready checks
the database, Redis and the signing keys; with the database really unreachable, pages and APIs
answer 503 with Retry-After and a translated message, never 500."""

from __future__ import annotations

import shutil

from tests.support import services
from tests.support.factories import person
from tests.support.web import csrf_token

CLOSED_PORT_PG = "postgresql://postgres@127.0.0.1:9/checkin"  # port 9 (discard): nothing listens


def test_ready_when_everything_answers(app, client):
    response = client.get("/api/v1/ready")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "checks": {"database": "ok", "signing_keys": "ok"}}
    assert client.get("/api/v1/health").get_json() == {"ok": True}


def test_ready_checks_redis_where_the_rate_limits_live(app_config):
    from checkin import create_app

    up = create_app({**app_config, "RATELIMIT_STORAGE_URI": services.redis_url(), "RATELIMIT_ENABLED": True})
    assert up.test_client().get("/api/v1/ready").get_json()["checks"]["redis"] == "ok"


def test_ready_skips_redis_when_the_rate_limits_are_off(app_config):
    from checkin import create_app

    app = create_app(
        {**app_config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0", "RATELIMIT_ENABLED": False}
    )
    response = app.test_client().get("/api/v1/ready")
    assert response.status_code == 200 and "redis" not in response.get_json()["checks"]


def test_ready_names_redis_down_when_nothing_stands_in_for_it(app_config):
    from checkin import create_app

    app = create_app(
        {
            **app_config,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
        }
    )
    response = app.test_client().get("/api/v1/ready")
    assert response.status_code == 503 and response.get_json()["down"] == ["redis"]


def test_ready_names_redis_degraded_while_each_worker_counts_on_its_own(app_config):
    """A shared Redis down must not take every server out of the proxy's rotation at once."""
    from checkin import create_app

    app = create_app(
        {**app_config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0", "RATELIMIT_ENABLED": True}
    )
    client = app.test_client()
    response = client.get("/api/v1/ready")
    assert response.status_code == 200
    assert response.get_json()["checks"]["redis"] == "degraded" and response.get_json()["degraded"] == [
        "redis"
    ]
    # The rate-limited pages still work, each worker counting on its own meanwhile.
    assert client.post("/api/v1/shows/none/registrations", json={}).status_code == 422
    assert client.get("/login").status_code == 200


def _assert_unavailable_page(response):
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert "Hệ thống đang bận hoặc tạm thời gián đoạn" in response.get_data(as_text=True)


def _assert_unavailable_json(response):
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert response.get_json()["error"]["code"] == "unavailable"


def test_postgresql_unreachable(tmp_path):
    from checkin import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": CLOSED_PORT_PG,
            "SECRET_KEY": "s",
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "RATELIMIT_ENABLED": False,
        }
    )
    client = app.test_client()
    assert client.get("/api/v1/health").status_code == 200  # the process lives: liveness stays cheap
    ready = client.get("/api/v1/ready")
    assert ready.status_code == 503 and ready.headers["Retry-After"] == "10"
    assert ready.get_json()["down"] == ["database"] and ready.get_json()["error"]["code"] == "unavailable"
    _assert_unavailable_page(client.get("/"))
    _assert_unavailable_json(client.get("/api/v1/shows"))
    _assert_unavailable_json(client.post("/api/v1/shows/gala/registrations", json=person(1)))
    english = client.get("/?lang=en")
    assert english.status_code == 503 and "briefly unavailable" in english.get_data(as_text=True)


def test_sqlite_database_gone(sqlite_template, tmp_path):
    """The database's folder removed under a running server (a lost volume): a signed-in
    volunteer's page and a registration in flight get 503, not 500."""
    from checkin import create_app
    from checkin.extensions import db
    from tests.support.factories import make_show
    from tests.support.gate import add_volunteer
    from tests.support.web import login

    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(sqlite_template, folder / "checkin.db")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'checkin.db'}",
            "SECRET_KEY": "s",
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "checkin.test",
        }
    )
    make_show(app, "reg")
    add_volunteer(app, password="pw-volunteer")
    volunteer = app.test_client()
    assert login(volunteer, "vol", "pw-volunteer").status_code == 303
    attendee = app.test_client()
    token = csrf_token(attendee, "/shows/reg/register")
    shutil.rmtree(folder)
    with app.app_context():
        db.engine.dispose()  # connections opened after the loss; open ones would still read the old file
    _assert_unavailable_page(volunteer.get("/gate/setup"))
    values = {k: str(v) for k, v in person(1).items()}
    _assert_unavailable_page(
        attendee.post("/shows/reg/register", data={**values, "consent": "y", "csrf_token": token})
    )
    _assert_unavailable_json(attendee.get("/api/v1/shows"))
    assert attendee.get("/api/v1/ready").get_json()["down"] == ["database"]
    assert attendee.get("/api/v1/health").status_code == 200
